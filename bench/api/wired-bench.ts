/**
 * The generated APIs on the running server, side by side with the static SQL endpoints doing the
 * same work in the same run (the CLI as a child process, 2 shards, loopback):
 *
 *   REST  POST /v1/sql {SELECT * FROM orders WHERE id = ?}   vs   GET /v1/orders/{id}
 *   gRPC  heliosdb.v1.Database/Execute (same SELECT)          vs   orders.OrderService/GetOrder
 *
 * The static paths forward bytes to the shard, which encodes the reply once; the generated ones
 * run ExecuteRequest/ExecuteResponse through the ring and shape rows in the main thread. The
 * client (undici fetch, grpc-js) runs in this process, so absolute numbers include its cost on
 * the same 2 cores; the ratios are the point. Writes bench/results/api-wired.md.
 * Run: `npm run build && node dist/bench/api/wired-bench.js [rounds]`.
 */
import { SERVER_NODE_FLAGS } from '../../src/node-flags.js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 3);
const ROWS = 2000;
const PER_CASE = Number(process.env.BENCH_PER_CASE ?? 2000);
const CONCURRENCY = 16;

async function startServer(dir: string): Promise<{ rest: number; grpc: number; stop: () => Promise<void> }> {
  const env = { ...process.env, HELIOSDB_PATH: join(dir, 'db'), HELIOSDB_REST_PORT: '0', HELIOSDB_GRPC_PORT: '0', HELIOSDB_METRICS_PORT: '0', HELIOSDB_WORKER_THREADS: '2', HELIOSDB_LOG_LEVEL: 'info' };
  const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ rest: number; grpc: number }>((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) if (line.includes('"listening"')) resolve(JSON.parse(line) as { rest: number; grpc: number });
      if (buf.length > 65536) buf = ''; // keep draining the pipe, keep memory bounded
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  return { ...ports, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

async function json(url: string, init?: RequestInit): Promise<unknown> {
  const r = await fetch(url, init);
  const body = await r.json();
  if (!r.ok) throw new Error(`${url}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

type Case = { name: string; run: (i: number) => Promise<unknown> };

async function measure(c: Case): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < PER_CASE) await c.run(next++);
  }));
  return PER_CASE / ((performance.now() - t0) / 1000);
}

function unary(client: grpc.Client, rpc: string, req: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => (client as unknown as Record<string, (r: unknown, cb: (e: unknown, v: unknown) => void) => void>)[rpc]!.call(client, req, (e, v) => (e ? reject(e) : resolve(v))));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'heliosdb-wired-bench-'));
  const s = await startServer(dir);
  try {
    const base = `http://127.0.0.1:${s.rest}`;
    const post = (path: string, body: unknown) => json(base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    for (;;) { if ((await fetch(`${base}/ready`)).ok) break; await new Promise((r) => setTimeout(r, 50)); }
    await post('/v1/sql', { sql: "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))" });
    const inserts = Array.from({ length: ROWS }, (_, i) => ({ sql: 'INSERT INTO orders (customer_id, total_price, quantity) VALUES (?, ?, ?)', params: [i % 100, i / 7, i % 13] }));
    await post('/v1/batch', { statements: inserts, transaction: true });

    const protoDir = join(dir, 'protos');
    for (const f of ((await json(`${base}/v1/protos`)) as { files: string[] }).files) {
      const p = join(protoDir, f);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, await (await fetch(`${base}/v1/protos/${f}`)).text());
    }
    const opts = { includeDirs: [protoDir], keepCase: true, longs: String, defaults: false, oneofs: true };
    const addr = `127.0.0.1:${s.grpc}`;
    const creds = grpc.credentials.createInsecure();
    const dbPkg = grpc.loadPackageDefinition(protoLoader.loadSync('heliosdb/v1/database.proto', opts)) as unknown as { heliosdb: { v1: { Database: grpc.ServiceClientConstructor } } };
    const ordersPkg = grpc.loadPackageDefinition(protoLoader.loadSync('orders.proto', opts)) as unknown as { orders: { OrderService: grpc.ServiceClientConstructor } };
    const db = new dbPkg.heliosdb.v1.Database(addr, creds);
    const orders = new ordersPkg.orders.OrderService(addr, creds);
    const id = (i: number) => 1 + ((i * 7919) % ROWS);

    const groups: { title: string; cases: Case[] }[] = [
      { title: 'REST: one row by key', cases: [
        { name: 'reference: POST /v1/sql SELECT … WHERE id = ?', run: (i) => post('/v1/sql', { sql: 'SELECT * FROM orders WHERE id = ?', params: [id(i)] }) },
        { name: 'generated: GET /v1/orders/{id}', run: (i) => json(`${base}/v1/orders/${id(i)}`) },
      ] },
      { title: 'gRPC: one row by key', cases: [
        { name: 'reference: Database/Execute SELECT … WHERE id = ?', run: (i) => unary(db, 'Execute', { sql: 'SELECT * FROM orders WHERE id = ?', params: [{ integer_value: String(id(i)) }] }) },
        { name: 'generated: OrderService/GetOrder', run: (i) => unary(orders, 'GetOrder', { id: String(id(i)) }) },
      ] },
    ];
    const results = new Map<string, number[]>();
    for (const g of groups) for (const c of g.cases) await measure({ ...c, run: c.run }).then(() => undefined); // warm-up
    for (let r = 0; r < ROUNDS; r++) for (const g of groups) for (const c of g.cases) results.set(c.name, [...(results.get(c.name) ?? []), await measure(c)]);
    db.close();
    orders.close();

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    let md = `# generated APIs on the running server (${new Date().toISOString()})\nnode ${process.version}, ${cpu} x${os.cpus().length}, 2 shards, ${ROWS} rows, ${PER_CASE} requests per case at concurrency ${CONCURRENCY}, client in the same process, ${ROUNDS} interleaved rounds; median requests/s\n`;
    for (const g of groups) {
      const ref = median(results.get(g.cases[0]!.name)!);
      md += `\n## ${g.title}\n| path | req/s | vs reference |\n|---|---|---|\n`;
      for (const c of g.cases) {
        const v = median(results.get(c.name)!);
        md += `| ${c.name} | ${v.toFixed(0)} | ${(v / ref).toFixed(2)}x |\n`;
      }
    }
    process.stdout.write(md);
    const out = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'api-wired.md'), md);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
