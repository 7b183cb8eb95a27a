/**
 * Keeps every shard running. The policy (documented in docs/architecture.md): a shard that dies
 * unexpectedly is logged and restarted after a short backoff — its waiting requests have already
 * failed with UNAVAILABLE, and a restarted shard recovers its partitions from their WALs before
 * it reports Ready. A shard that dies more than {@link MAX_CRASHES} times within
 * {@link CRASH_WINDOW_MS} is not restarted again: the supervisor calls `onGiveUp`, and the
 * process exits non-zero with a clear log line (a crash loop is better handled by the
 * container's restart policy than by spinning here).
 */
import type { Logger } from '../log.js';
import { ShardClient, type ShardClientOptions, type ShardStorageSettings } from './shard-client.js';
import { ShardStatsRow } from '../shard/stats-block.js';

export const MAX_CRASHES = 5;
export const CRASH_WINDOW_MS = 60_000;

export interface SupervisorOptions {
  shards: number;
  partitions: number;
  ringBytes: number;
  statsBlock: SharedArrayBuffer;
  storage: ShardStorageSettings;
  log: Logger;
  onGiveUp: (shard: number, reason: string) => void;
  /** Called when a restarted shard is Ready again (the router then settles its in-doubt transactions). */
  onRestarted?: (shard: number) => void;
  /** Called at once when a shard dies unexpectedly (its open transactions are lost). */
  onDied?: (shard: number) => void;
}

/** Partition p is served by shard p mod N: changing N between restarts only moves whole partitions. */
export function partitionsOf(shard: number, shards: number, partitions: number): number[] {
  const out: number[] = [];
  for (let p = shard; p < partitions; p += shards) out.push(p);
  return out;
}

export class ShardSupervisor {
  readonly clients: ShardClient[] = [];
  private readonly crashes = new Map<number, number[]>();
  private closing = false;

  constructor(private readonly opts: SupervisorOptions) {
    for (let s = 0; s < opts.shards; s++) {
      const clientOpts: ShardClientOptions = {
        shard: s,
        partitions: partitionsOf(s, opts.shards, opts.partitions),
        ringBytes: opts.ringBytes,
        statsBlock: opts.statsBlock,
        storage: opts.storage,
        onExit: (c, code, err, expected) => this.onExit(c, code, err, expected),
      };
      this.clients.push(new ShardClient(clientOpts));
    }
  }

  start(): void {
    for (const c of this.clients) c.start();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.closing = true;
    await Promise.all(this.clients.map((c) => c.stop(timeoutMs)));
  }

  private onExit(c: ShardClient, code: number, err: Error | undefined, expected: boolean): void {
    if (expected || this.closing) {
      this.opts.log.info({ shard: c.shard, code }, 'shard stopped');
      return;
    }
    this.opts.onDied?.(c.shard);
    const now = Date.now();
    const recent = (this.crashes.get(c.shard) ?? []).filter((t) => now - t < CRASH_WINDOW_MS);
    recent.push(now);
    this.crashes.set(c.shard, recent);
    const reason = err ? err.message : `exit code ${code}`;
    this.opts.log.error({ shard: c.shard, code, err: err?.stack, crashesInWindow: recent.length }, `shard ${c.shard} died: ${reason}`);
    if (recent.length > MAX_CRASHES) {
      this.opts.onGiveUp(c.shard, `shard ${c.shard} died ${recent.length} times within ${CRASH_WINDOW_MS / 1000}s (last: ${reason})`);
      return;
    }
    new ShardStatsRow(this.opts.statsBlock, c.shard).add('restarts', 1);
    const backoff = Math.min(5000, 50 * 2 ** (recent.length - 1));
    setTimeout(() => {
      if (this.closing) return;
      this.opts.log.warn({ shard: c.shard, backoffMs: backoff }, `restarting shard ${c.shard}`);
      c.start();
      c.ready.then(() => this.opts.onRestarted?.(c.shard), () => undefined);
    }, backoff).unref();
  }
}
