/**
 * What encode once saves a gRPC `GetOrder`, per thread, without the network: the work each
 * side of the ring does for one Get, both ways, measured side by side in one run.
 *
 *   values (the old path)   main: encodeWire(run op) … decodeWire(reply) → rowsOf → rowToMessage
 *                           → protobufjs encode;  shard: run the SELECT, encodeWire(FragmentResult[])
 *   row-proto (encode once) main: encodeWire(run op + layout) … rowProtoMessage (a view);
 *                           shard: run the SELECT, encodeFirstRowProto
 *
 * over a 10k-row `orders` table in one memory partition (PartitionEngines, as a shard runs it).
 * Also prints the op's and the reply's bytes on the ring. Median µs per Get of `rounds`
 * interleaved rounds; writes bench/results/api-row-proto.md. The ring hop itself (the same
 * for both) is not here: bench/api/load-bench.ts measures whole requests (case grpc-get).
 *
 * Run: `npm run build && node dist/bench/api/row-proto-bench.js [rounds]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { PartitionEngines } from '../../src/shard/partition-engines.js';
import { decodeWire, encodeWire, RawReply, type FragmentOp, type FragmentResult } from '../../src/shard/fragment-protocol.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import type { Value } from '../../src/storage/api.js';
import { rowProtoMessage } from '../../src/shard/row-proto.js';
import { buildGrpcTable, rowToMessage, tableModel, type ApiColumn } from '../../src/net/schema-api/index.js';
import { rowsOf } from '../../src/net/schema-api/operations.js';

const ROWS = 10_000;
const ROUNDS = Number(process.argv[2] ?? 5);
const ITER = 20_000;

const col = (name: string, declaredType: string, fieldNumber: number, extra: Partial<ApiColumn> = {}): ApiColumn => ({ name, declaredType, fieldNumber, nullable: true, hasDefault: false, primaryKey: false, autoIncrement: false, ...extra });
const api = buildGrpcTable(tableModel({
  name: 'orders', primaryKey: 'id', indexes: [], shardKey: null,
  columns: [col('id', 'INTEGER', 1, { primaryKey: true, nullable: false, autoIncrement: true }), col('customer_id', 'INTEGER', 2, { nullable: false }), col('status', 'TEXT', 3, { hasDefault: true }), col('total_price', 'REAL', 4), col('quantity', 'INTEGER', 5), col('created_at', 'INTEGER', 6, { hasDefault: true })],
}, []));
const message = api.root.lookupType('orders.Order');
const layout = api.getReply!;

const shard = new PartitionEngines(new Map([[0, openMemoryPartition(0)]]));
const run = (sql: string, params: Value[] = []) => shard.handle({ op: 'run', p: 0, stmts: [{ sql, params }] });
run("CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT 1763942400)");
for (let i = 1; i <= ROWS; i++) run('INSERT INTO orders (customer_id, total_price, quantity) VALUES (?1, ?2, ?3)', [BigInt(i % 100), i / 7, BigInt(i % 13)]);

const GET = 'SELECT * FROM "orders" WHERE "id" = ?1';
const valuesOp = (i: number): FragmentOp => ({ op: 'run', p: 0, stmts: [{ sql: GET, params: [BigInt(1 + (i % ROWS))] }] });
const protoOp = (i: number): FragmentOp => ({ op: 'run', p: 0, stmts: [{ sql: GET, params: [BigInt(1 + (i % ROWS))] }], reply: layout });
const rowJsonOp = (i: number): FragmentOp => ({ op: 'run', p: 0, stmts: [{ sql: GET, params: [BigInt(1 + (i % ROWS))] }], reply: 'row-json' });

// What each side receives, prepared once per id (a sample of 1,000 ids).
const SAMPLE = 1000;
const valueReplies = Array.from({ length: SAMPLE }, (_, i) => encodeWire(shard.handle(decodeWire<FragmentOp>(encodeWire(valuesOp(i))))));
const protoReplies = Array.from({ length: SAMPLE }, (_, i) => (shard.handle(decodeWire<FragmentOp>(encodeWire(protoOp(i)))) as RawReply).bytes);
const valueOps = Array.from({ length: SAMPLE }, (_, i) => encodeWire(valuesOp(i)));
const protoOps = Array.from({ length: SAMPLE }, (_, i) => encodeWire(protoOp(i)));

// The two paths must give the same bytes, or the comparison means nothing.
for (let i = 0; i < SAMPLE; i++) {
  const [r] = decodeWire<FragmentResult[]>(valueReplies[i]!);
  const old = Buffer.from(message.encode(rowToMessage(api.model, rowsOf(r!)[0]!)).finish());
  if (!old.equals(rowProtoMessage(protoReplies[i]!))) throw new Error(`bench: the paths disagree on id ${1 + i}`);
}

let sink = 0;
type Case = { name: string; run: (i: number) => void };
const cases: Case[] = [
  {
    name: 'main thread, values (old)',
    run: (i) => {
      sink += encodeWire(valuesOp(i)).length;
      const [r] = decodeWire<FragmentResult[]>(valueReplies[i % SAMPLE]!);
      const bytes = message.encode(rowToMessage(api.model, rowsOf(r!)[0]!)).finish();
      sink += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).length;
    },
  },
  {
    name: 'main thread, row-proto (encode once)',
    run: (i) => {
      sink += encodeWire(protoOp(i)).length;
      const m = rowProtoMessage(protoReplies[i % SAMPLE]!);
      sink += Buffer.from(m.buffer, m.byteOffset, m.byteLength).length;
    },
  },
  {
    name: 'shard, values (old)',
    run: (i) => {
      sink += encodeWire(shard.handle(decodeWire<FragmentOp>(valueOps[i % SAMPLE]!))).length;
    },
  },
  {
    name: 'shard, row-proto (encode once)',
    run: (i) => {
      sink += (shard.handle(decodeWire<FragmentOp>(protoOps[i % SAMPLE]!)) as RawReply).bytes.length;
    },
  },
];

function usPerOp(c: Case, iter: number): number {
  const t0 = performance.now();
  for (let i = 0; i < iter; i++) c.run(i);
  return ((performance.now() - t0) * 1000) / iter;
}

const lines: string[] = [];
const out = (s: string) => {
  console.log(s);
  lines.push(s);
};
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
out(`# gRPC GetOrder: values vs encode once (row-proto), per thread (${new Date().toISOString()})`);
out(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load average ${load}; ${ROWS} rows, ${ROUNDS} interleaved rounds of ${ITER} Gets; median µs per Get`);
for (const c of cases) usPerOp(c, ITER / 10); // warm-up
const samples = cases.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) for (const [k, c] of cases.entries()) samples[k]!.push(usPerOp(c, ITER));
const med = samples.map((s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
out('\n| side | values (old) µs | row-proto µs | old ÷ new |\n|---|---|---|---|');
out(`| main thread | ${med[0]!.toFixed(2)} | ${med[1]!.toFixed(2)} | ${(med[0]! / med[1]!).toFixed(2)}× |`);
out(`| shard | ${med[2]!.toFixed(2)} | ${med[3]!.toFixed(2)} | ${(med[2]! / med[3]!).toFixed(2)}× |`);
const avg = (xs: Uint8Array[]) => (xs.reduce((n, x) => n + x.length, 0) / xs.length).toFixed(0);
out('\n| bytes on the ring (mean) | values (old) | row-json (REST Get) | row-proto |\n|---|---|---|---|');
out(`| request (run op) | ${avg(valueOps)} | ${avg(Array.from({ length: SAMPLE }, (_, i) => encodeWire(rowJsonOp(i))))} | ${avg(protoOps)} |`);
out(`| reply | ${avg(valueReplies)} | – | ${avg(protoReplies)} |`);
out(`\nlayout: ${JSON.stringify(layout.layout)} (${layout.layout.length} chars)`);
if (sink === 0) out('(sink)');
const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}api-row-proto.md`, `${lines.join('\n')}\n`);
