/**
 * Streaming gRPC `Query` throughput (issue #6's aim: > 300k rows/s), side by side with the
 * unary Execute it replaces, on one spawned server (worker_threads = 2, default partitions):
 *
 *   query-scan      Query  SELECT * FROM orders                (fan-out, chunks forwarded as they come)
 *   query-ordered   Query  SELECT * FROM orders ORDER BY id    (fan-out, k-way merge at the coordinator)
 *   exec-all        Execute SELECT * FROM orders               (one reply holding every row: the reference;
 *                   a fan-out Execute gathers every row into the coordinator's scratch space first)
 *
 * The client takes raw bytes (no decoding; rows are counted by walking the top-level protobuf
 * fields), so the number is the server's. Each case runs `rounds` times interleaved; the report
 * takes the median and prints ratios to exec-all, with the load average before and after (the
 * machine is shared). Writes bench/results/api-query.md.
 *
 * Run: npm run bench:api-query -- [--rows 100000] [--rounds 3] [--no-write]
 */
import { SERVER_NODE_FLAGS } from '../../src/node-flags.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { encodeExecuteRequest } from '../../src/shard/grpc-codec.js';
import { spawnServer, waitReady } from './bench-processes.js';
import { loadHelios } from './bench-dataset.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const ROWS = Number(arg('rows', '100000'));
const ROUNDS = Number(arg('rounds', '3'));
const WRITE = !process.argv.includes('--no-write');
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/api-query.md', import.meta.url));

const identity = (b: Buffer): Buffer => b;

/** Rows in a QueryResponse/ExecuteResponse: top-level field 2 entries (length-delimited). */
function countRows(b: Buffer): number {
  let at = 0;
  let rows = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const x = b[at++]!;
      v += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) return v;
      shift += 7;
    }
  };
  while (at < b.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 2) {
      const len = varint();
      if (tag >>> 3 === 2) rows++;
      at += len;
    } else if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return rows;
}

function stream(client: grpc.Client, sql: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    const call = client.makeServerStreamRequest('/heliosdb.v1.Database/Query', identity, identity, Buffer.from(encodeExecuteRequest(sql, [])));
    call.on('data', (m: Buffer) => {
      rows += countRows(m);
    });
    call.on('error', reject);
    call.on('end', () => resolve(rows));
  });
}

function unary(client: grpc.Client, sql: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/heliosdb.v1.Database/Execute', identity, identity, Buffer.from(encodeExecuteRequest(sql, [])), (e, r) => (e || !r ? reject(e ?? new Error('no reply')) : resolve(countRows(r))));
  });
}

interface Case { id: string; title: string; run(c: grpc.Client): Promise<number> }

const CASES: Case[] = [
  { id: 'query-scan', title: 'Query SELECT * (fan-out, forwarded chunks)', run: (c) => stream(c, 'SELECT * FROM orders') },
  { id: 'query-ordered', title: 'Query SELECT * ORDER BY id (fan-out, k-way merge)', run: (c) => stream(c, 'SELECT * FROM orders ORDER BY id') },
  { id: 'exec-all', title: 'Execute SELECT * (one reply: the reference)', run: (c) => unary(c, 'SELECT * FROM orders') },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'heliosdb-query-bench-'));
  const toml = join(tmp, 'heliosdb.toml');
  writeFileSync(toml, `[database]\npath = ${JSON.stringify(join(tmp, 'data'))}\n\n[api]\nbind_address = "127.0.0.1"\nrest_port = 0\ngrpc_port = 0\n\n[performance]\nworker_threads = 2\n\n[observability]\nmetrics_port = 0\n`);
  const server = await spawnServer('ours', [...SERVER_NODE_FLAGS, CLI, 'serve', '--config', toml], {});
  const load0 = os.loadavg();
  try {
    await waitReady(server.rest);
    console.log(`loading ${ROWS} rows …`);
    await loadHelios(server.rest, ROWS);
    const client = new grpc.Client(`127.0.0.1:${server.grpc}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 512 << 20 });
    for (const c of CASES) await c.run(client); // warm-up: plans, pages, JIT
    const samples = new Map<string, number[]>(CASES.map((c) => [c.id, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of CASES) {
        const t0 = performance.now();
        const rows = await c.run(client);
        const s = (performance.now() - t0) / 1000;
        if (rows < ROWS) throw new Error(`${c.id}: ${rows} rows, expected ${ROWS}`);
        samples.get(c.id)!.push(rows / s);
        console.log(`round ${r + 1} ${c.id}: ${Math.round(rows / s)} rows/s`);
      }
    }
    client.close();
    const load1 = os.loadavg();
    const ref = median(samples.get('exec-all')!);
    const pkg = (name: string) => (JSON.parse(readFileSync(fileURLToPath(new URL(`../../../node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
    const lines = [
      '# Streaming gRPC Query (bench/api/query-bench.ts)',
      '',
      `${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · node ${process.version} · @grpc/grpc-js ${pkg('@grpc/grpc-js')} · ${ROWS} rows (orders), worker_threads = 2 · median of ${ROUNDS} rounds`,
      `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')} (shared machine: compare the ratios)`,
      '',
      '| case | rows/s (median) | × exec-all | aim |',
      '|---|---:|---:|---|',
      ...CASES.map((c) => {
        const m = median(samples.get(c.id)!);
        const aim = c.id.startsWith('query-') ? (m > 300_000 ? '> 300k rows/s: met' : '> 300k rows/s: missed') : '';
        return `| ${c.title} | ${Math.round(m).toLocaleString('en-US')} | ${(m / ref).toFixed(2)} | ${aim} |`;
      }),
      '',
    ];
    console.log(lines.join('\n'));
    if (WRITE) writeFileSync(RESULTS, lines.join('\n'));
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
