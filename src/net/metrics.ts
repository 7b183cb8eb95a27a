/**
 * Prometheus metrics (prom-client) of the coordinator: process metrics, requests by
 * interface/route/status, a latency histogram, and per-shard numbers read at scrape time from
 * shared memory (ring depth, frames processed, frames/s, in-flight requests, readiness,
 * restarts) — a scrape never costs a ring round trip. Served on `metrics_port` by
 * {@link startMetricsServer}.
 */
import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerTxnMetrics } from './txn-metrics.js';
import type { Coordinator } from '../coordinator/index.js';

export interface Metrics {
  registry: Registry;
  requests: Counter<'interface' | 'route' | 'status'>;
  latency: Histogram<'interface' | 'route'>;
}

export function createMetrics(coordinator: Coordinator): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'heliosdb_' });
  const requests = new Counter({
    name: 'heliosdb_requests_total',
    help: 'Requests answered, by interface (rest|grpc), route and status (HTTP status or gRPC code name).',
    labelNames: ['interface', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'heliosdb_request_duration_seconds',
    help: 'Time from receiving a request to sending its response.',
    labelNames: ['interface', 'route'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
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
  return { registry, requests, latency };
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
