/**
 * The request metrics' fast path (src/net/metrics.ts) prints what prom-client itself prints for
 * the same requests: the latency histogram line for line against a prom-client Histogram fed the
 * same observations, and the request counter by interface, route and status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import type { Coordinator } from '../../src/coordinator/index.js';
import { createMetrics, LATENCY_BUCKETS } from '../../src/net/metrics.js';

const noShards = { runtimeStats: () => [] } as unknown as Coordinator;
const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

test('the latency histogram prints exactly what a prom-client Histogram prints for the same observations', async () => {
  const seed = Number(process.env['SEED'] ?? Date.now() % 1e9);
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const m = createMetrics(noShards);
  const refRegistry = new Registry();
  const ref = new Histogram({ name: 'heliosdb_request_duration_seconds', help: 'Time from receiving a request to sending its response.', labelNames: ['interface', 'route'] as const, buckets: [...LATENCY_BUCKETS], registers: [refRegistry] });
  const routes = [['rest', '/v1/sql'], ['rest', '/v1/orders/{id}'], ['grpc', 'heliosdb.v1.Database/Execute']] as const;
  // Values on every bucket bound (le is inclusive), between them, and past the last (+Inf).
  const values = [...LATENCY_BUCKETS, 0, 7.5, ...Array.from({ length: 500 }, () => rand() * rand() * 2)];
  for (const [i, v] of values.entries()) {
    const [iface, route] = routes[i % routes.length]!;
    m.record(iface, route, '200', v);
    ref.observe({ interface: iface, route }, v);
  }
  const ours = lines(await m.registry.metrics(), 'heliosdb_request_duration_seconds');
  const theirs = lines(await refRegistry.metrics(), 'heliosdb_request_duration_seconds');
  assert.ok(ours.length >= routes.length * (LATENCY_BUCKETS.length + 3), `seed ${seed}: every route has buckets, sum and count`);
  assert.deepEqual([...ours].sort(), [...theirs].sort(), `seed ${seed}`);
});

test('the request counter counts by interface, route and status, with and without a latency', async () => {
  const m = createMetrics(noShards);
  for (let i = 0; i < 3; i++) m.record('rest', '/v1/sql', '200', 0.001);
  m.record('rest', '/v1/sql', '400', 0.001);
  m.record('grpc', 'grpc.health.v1.Health/Check', 'OK');
  const text = await m.registry.metrics();
  assert.match(text, /^heliosdb_requests_total\{interface="rest",route="\/v1\/sql",status="200"\} 3$/m);
  assert.match(text, /^heliosdb_requests_total\{interface="rest",route="\/v1\/sql",status="400"\} 1$/m);
  assert.match(text, /^heliosdb_requests_total\{interface="grpc",route="grpc.health.v1.Health\/Check",status="OK"\} 1$/m);
  assert.match(text, /^heliosdb_request_duration_seconds_count\{interface="rest",route="\/v1\/sql"\} 4$/m);
  assert.doesNotMatch(text, /heliosdb_request_duration_seconds_count\{interface="grpc"/, 'a call counted without a latency has no histogram series');
  // A second scrape reports the same totals (counters are cumulative, not reset by scraping).
  assert.match(await m.registry.metrics(), /^heliosdb_requests_total\{interface="rest",route="\/v1\/sql",status="200"\} 3$/m);
});
