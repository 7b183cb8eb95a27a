/**
 * `[database] max_connections`: one count of open client connections shared by the REST and the
 * gRPC listener ("REST and gRPC together", config/heliosdb.toml). Each listener calls
 * {@link ConnectionGate.opened} when a connection is accepted and {@link ConnectionGate.closed}
 * when it goes away; a connection opened while the count is over the limit is refused politely
 * by its listener (REST: 503 UNAVAILABLE with Retry-After; gRPC: RESOURCE_EXHAUSTED on its
 * calls), then closed. Connections already open are never touched.
 *
 * The count covers every open socket, refused ones included until they close (uWebSockets
 * reports opens and closes but cannot tell us which socket closed): right at the limit, a
 * refusal in progress can briefly refuse one more newcomer. That errs on the safe side of what
 * the limit protects — file descriptors and per-connection memory.
 */
export class ConnectionGate {
  private open = 0;
  private refused = 0;

  constructor(readonly limit: number) {}

  /** A connection was accepted; false = over the limit, refuse it. */
  opened(): boolean {
    this.open++;
    if (this.open <= this.limit) return true;
    this.refused++;
    return false;
  }

  closed(): void {
    if (this.open > 0) this.open--;
  }

  /** Open connections right now, refused ones still closing included. */
  get count(): number {
    return this.open;
  }

  /** Connections refused since start (a metric). */
  get refusedTotal(): number {
    return this.refused;
  }
}

/** What a refused client is told (REST body message and gRPC details alike). */
export function refusalMessage(limit: number): string {
  return `too many open connections (max_connections = ${limit}); retry later or reuse a connection`;
}
