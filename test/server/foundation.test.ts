/**
 * The runnable service end to end, through the real CLI: health, readiness, status gathered
 * through the shard rings, metrics with the shard gauges, gRPC health, the contract's JSON
 * errors, worker_threads, and a clean SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { runCli, spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

function healthClient(port: number) {
  const def = protoLoader.loadSync('grpc/health/v1/health.proto', { includeDirs: [PROTO_DIR], enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  return new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

function check(client: grpc.Client, service: string): Promise<{ status: string }> {
  return new Promise((resolve, reject) =>
    (client as unknown as { Check: (r: unknown, cb: (e: grpc.ServiceError | null, v: { status: string }) => void) => void }).Check({ service }, (e, v) => (e ? reject(e) : resolve(v))),
  );
}

describe('a server with worker_threads = 3', () => {
  let s: ServerProcess;
  before(async () => {
    s = await spawnServer({ workerThreads: 3 });
    await waitReady(s);
  });
  after(async () => {
    if (s) await s.stop();
  });

  test('prints one listening line with the real ports', () => {
    const l = s.lines.filter((j) => j['msg'] === 'listening');
    assert.equal(l.length, 1);
    for (const k of ['rest', 'grpc', 'metrics'] as const) {
      assert.equal(typeof s.ports[k], 'number');
      assert.ok((s.ports[k] as number) > 0, `${k} port is a real port`);
    }
  });

  test('GET /health and /ready answer 200', async () => {
    const h = await fetch(s.url('/health'));
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    assert.equal((await fetch(s.url('/ready'))).status, 200);
  });

  test('GET /v1/status lists every shard, gathered through the rings', async () => {
    const r = await fetch(s.url('/v1/status'));
    assert.equal(r.status, 200);
    const body = (await r.json()) as { shards: { id: number; partitions: number[]; queue_depth: number; uptime_ms: number; frames_processed: number }[] };
    assert.deepEqual(body.shards.map((x) => x.id), [0, 1, 2]);
    const all = body.shards.flatMap((x) => x.partitions).sort((a, b) => a - b);
    assert.deepEqual(all, [...Array(all.length).keys()], 'partitions are spread over the shards, each once');
    for (const sh of body.shards) {
      assert.ok(sh.uptime_ms >= 0);
      assert.equal(typeof sh.queue_depth, 'number');
    }
    // A second call sees the first Status frame counted by each shard: it really went through.
    const again = (await (await fetch(s.url('/v1/status'))).json()) as typeof body;
    for (const sh of again.shards) assert.ok(sh.frames_processed >= 1, `shard ${sh.id} processed the earlier status frame`);
  });

  test('GET /metrics has per-shard ring and frame gauges', async () => {
    const r = await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`);
    assert.equal(r.status, 200);
    const text = await r.text();
    for (const sh of ['0', '1', '2']) {
      assert.match(text, new RegExp(`heliosdb_shard_ring_depth_bytes\\{shard="${sh}",direction="request"\\} \\d+`));
      assert.match(text, new RegExp(`heliosdb_shard_frames_total\\{shard="${sh}"\\} \\d+`));
      assert.match(text, new RegExp(`heliosdb_shard_ready\\{shard="${sh}"\\} 1`));
      assert.match(text, new RegExp(`heliosdb_scan_kernels_info\\{shard="${sh}",backend="(avx512|avx2|wasm|none)"\\} 1`));
    }
    assert.match(text, /heliosdb_requests_total\{interface="rest",route="\/health",status="200"\} \d+/);
    assert.match(text, /heliosdb_process_cpu_seconds_total/);
  });

  test('gRPC health says SERVING; an unknown service is NOT_FOUND', async () => {
    const c = healthClient(s.ports.grpc);
    try {
      assert.equal((await check(c, '')).status, 'SERVING');
      assert.equal((await check(c, 'heliosdb.v1.Database')).status, 'SERVING');
      await assert.rejects(check(c, 'no.such.Service'), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    } finally {
      c.close();
    }
  });

  test('garbage protobuf is INVALID_ARGUMENT, an unknown method UNIMPLEMENTED, and the server keeps serving', async () => {
    const c = new grpc.Client(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      const call = (method: string, payload: Buffer) =>
        new Promise<grpc.ServiceError | null>((resolve) =>
          c.makeUnaryRequest(`/heliosdb.v1.Database/${method}`, (b: Buffer) => b, (b: Buffer) => b, payload, (e) => resolve(e)),
        );
      const garbage = await call('Execute', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]));
      assert.equal(garbage?.code, grpc.status.INVALID_ARGUMENT, 'garbage protobuf is INVALID_ARGUMENT');
      const unimplemented = await call('NoSuchMethod', Buffer.alloc(0)); // every Database method is served now
      assert.equal(unimplemented?.code, grpc.status.UNIMPLEMENTED);
    } finally {
      c.close();
    }
    assert.equal((await fetch(s.url('/health'))).status, 200, 'still serving');
  });

  test('an unknown route gets the contract JSON error', async () => {
    const r = await fetch(s.url('/v1/nope'));
    assert.equal(r.status, 404);
    const b = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(b.error.code, 'NOT_FOUND');
    assert.match(b.error.message, /\/v1\/nope/);
  });
});

describe('process lifecycle', () => {
  test('SIGTERM stops the server with exit code 0', async () => {
    const s = await spawnServer({ workerThreads: 2 });
    await waitReady(s);
    const t0 = Date.now();
    assert.equal(await s.stop('SIGTERM'), 0);
    assert.ok(Date.now() - t0 < 10_000, 'within a few seconds');
    assert.ok(s.lines.some((l) => l['msg'] === 'stopped'));
  });

  test('SIGINT stops it with exit code 0 too', async () => {
    const s = await spawnServer({ workerThreads: 1 });
    await waitReady(s);
    assert.equal(await s.stop('SIGINT'), 0);
  });

  test('a busy port is a start-up failure that exits non-zero and leaves no port open', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const busy = (blocker.address() as net.AddressInfo).port;
    const restProbe = net.createServer();
    await new Promise<void>((r) => restProbe.listen(0, '127.0.0.1', () => r()));
    const restPort = (restProbe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => restProbe.close(() => r()));
    try {
      const r = await runCli(['serve'], { HELIOSDB_PATH: `/tmp/heliosdb-busy-${process.pid}`, HELIOSDB_REST_PORT: String(restPort), HELIOSDB_GRPC_PORT: String(busy), HELIOSDB_METRICS_PORT: '0', HELIOSDB_WORKER_THREADS: '1' });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /start-up failed/);
      // The REST port that did open was closed again.
      await new Promise<void>((resolve, reject) => {
        const probe = net.createServer();
        probe.once('error', reject);
        probe.listen(restPort, '127.0.0.1', () => probe.close(() => resolve()));
      });
    } finally {
      blocker.close();
    }
  });

  test('a configuration error names the key and exits 2 before opening ports', async () => {
    const r = await runCli(['serve'], { HELIOSDB_REST_PORT: '70000' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /HELIOSDB_REST_PORT/);
    assert.doesNotMatch(r.stdout, /listening/);
  });
});

test('a second server on the same data directory exits 1 naming the owner; the first keeps serving', async () => {
  const first = await spawnServer({ keepData: true });
  try {
    await waitReady(first);
    await assert.rejects(
      spawnServer({ dataDir: first.dataDir }),
      (e: Error) => /server exited \(1\)/.test(e.message) && e.message.includes(`in use by process ${first.proc.pid}`),
    );
    assert.equal((await fetch(first.url('/health'))).status, 200);
  } finally {
    await first.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});
