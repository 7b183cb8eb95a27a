/**
 * Prometheus metrics (prom-client) of the coordinator: process metrics, requests by
 * interface/route/status, a latency histogram, and per-shard numbers read at scrape time from
 * shared memory (ring depth, frames processed, frames/s, in-flight requests, readiness,
 * restarts) — a scrape never costs a ring round trip. Served on `metrics_port` by
 * {@link startMetricsServer}.
 *
 * The per-request series are kept off prom-client's hot path: {@link Metrics.record} bumps
 * plain numbers found by two Map lookups (prom-client's `inc`/`observe` hash a label object on
 * every call: ~0.85 µs per request together, ~8% of the main thread's time per request when the
 * server answers a constant), and the registry reads them at scrape time.
 */
import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Histogram } from 'prom-client';
import { registerTxnMetrics } from './txn-metrics.js';
import { registerQueryMetrics } from './query-metrics.js';
import type { Coordinator } from '../coordinator/index.js';

export type Interface = 'rest' | 'grpc';

export interface Metrics {
  registry: Registry;
  /**
   * Counts one answered request under its bounded route label and status (HTTP status or gRPC
   * code name), and its latency when `seconds` is given.
   */
  record(iface: Interface, route: string, status: string, seconds?: number): void;
}

/** Latency bucket upper bounds, seconds (50 µs … 5 s; a point read answers in tens of µs). */
export const LATENCY_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** One (interface, route): answered requests by status and the latency histogram, cumulative. */
class RouteSeries {
  readonly byStatus = new Map<string, number>();
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  constructor(readonly iface: Interface, readonly route: string) {}
}

class RequestSeries {
  private readonly byIface: Record<Interface, Map<string, RouteSeries>> = { rest: new Map(), grpc: new Map() };

  record(iface: Interface, route: string, status: string, seconds?: number): void {
    const routes = this.byIface[iface];
    let s = routes.get(route);
    if (s === undefined) {
      s = new RouteSeries(iface, route);
      routes.set(route, s);
    }
    s.byStatus.set(status, (s.byStatus.get(status) ?? 0) + 1);
    if (seconds === undefined) return;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
  }

  *all(): Iterable<RouteSeries> {
    yield* this.byIface.rest.values();
    yield* this.byIface.grpc.values();
  }
}

/**
 * The latency histogram as the registry sees it: prom-client's metric contract (`name`, `help`,
 * `type`, `aggregator`, `get()`, `reset()`) over {@link RequestSeries}, so the text is what a
 * prom-client Histogram with the same observations prints (test/net/metrics.test.ts checks).
 */
class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(readonly name: string, readonly help: string, private readonly series: RequestSeries) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series.all()) {
      if (s.count === 0) continue;
      const labels = { interface: s.iface, route: s.route };
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registry.resetMetrics(): the series are cumulative by contract, so there is nothing to do. */
  reset(): void {}
}

export function createMetrics(coordinator: Coordinator): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'heliosdb_' });
  const series = new RequestSeries();
  new Counter({
    name: 'heliosdb_requests_total',
    help: 'Requests answered, by interface (rest|grpc), route and status (HTTP status or gRPC code name).',
    labelNames: ['interface', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of series.all()) for (const [status, n] of s.byStatus) this.inc({ interface: s.iface, route: s.route, status }, n);
    },
  });
  // IMPORTANT: not a prom-client Histogram, only shaped like one for the registry (see LatencyHistogram).
  registry.registerMetric(new LatencyHistogram('heliosdb_request_duration_seconds', 'Time from receiving a request to sending its response.', series) as unknown as Histogram);
  const stats = () => coordinator.runtimeStats();
  new Gauge({
    name: 'heliosdb_shard_ring_depth_bytes',
    help: 'Bytes queued in a shard ring (direction: request = coordinator→shard, response = shard→coordinator).',
    labelNames: ['shard', 'direction'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) {
        if (!s.ring) continue;
        this.set({ shard: String(s.shard), direction: 'request' }, s.ring.requestDepthBytes);
        this.set({ shard: String(s.shard), direction: 'response' }, s.ring.responseDepthBytes);
      }
    },
  });
  new Counter({
    name: 'heliosdb_shard_frames_total',
    help: 'Request frames a shard has processed since the process started (resets when a shard restarts).',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.inc({ shard: String(s.shard) }, s.framesProcessed);
    },
  });
  const lastSample = new Map<number, { t: number; frames: number }>();
  new Gauge({
    name: 'heliosdb_shard_frames_per_second',
    help: 'Request frames per second a shard processed since the previous scrape.',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const now = performance.now();
      for (const s of stats()) {
        const prev = lastSample.get(s.shard);
        lastSample.set(s.shard, { t: now, frames: s.framesProcessed });
        const rate = prev && now > prev.t && s.framesProcessed >= prev.frames ? ((s.framesProcessed - prev.frames) * 1000) / (now - prev.t) : 0;
        this.set({ shard: String(s.shard) }, rate);
      }
    },
  });
  new Gauge({
    name: 'heliosdb_shard_in_flight_requests',
    help: 'Requests sent to a shard and not yet answered.',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ shard: String(s.shard) }, s.inFlight);
    },
  });
  new Gauge({
    name: 'heliosdb_shard_ready',
    help: '1 when the shard has recovered its partitions and takes work.',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ shard: String(s.shard) }, s.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'heliosdb_scan_kernels_info',
    help: 'The scan-kernel backend each shard runs (simd_acceleration resolved against this CPU): 1 for the active backend.',
    labelNames: ['shard', 'backend'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) if (s.kernels) this.set({ shard: String(s.shard), backend: s.kernels }, 1);
    },
  });
  new Counter({
    name: 'heliosdb_shard_restarts_total',
    help: 'Times a shard died and was restarted.',
    labelNames: ['shard'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.inc({ shard: String(s.shard) }, s.restarts);
    },
  });
  registerTxnMetrics(registry, coordinator);
  registerQueryMetrics(registry, coordinator);
  return { registry, record: (iface, route, status, seconds) => series.record(iface, route, status, seconds) };
}

/** Serves `GET /metrics` in the Prometheus text format. */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'INTERNAL', message: `metrics collection failed: ${String(e)}` } }));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.url} on the metrics port (try GET /metrics)` } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: actual,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
