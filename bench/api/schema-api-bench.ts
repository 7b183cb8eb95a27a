/**
 * What the generated APIs cost on top of the SQL they run, measured side by side in one run:
 *
 *   reference   engine.execute(sql, params) for the same statement (what /v1/sql pays below JSON)
 *   rest        SchemaApi.rest(): route match, decode, plan, exec, rows → JSON objects
 *   grpc        the generated handler, with protobufjs decode of the request and encode of the reply
 *
 * for Get-by-key and a 50-row List page over a 10k-row `orders` table on the product's engine
 * (memory partition), single-threaded. Prints ops/s and the ratio to the reference, and writes
 * bench/results/api-schema.md. Run: `npm run build && node dist/bench/api/schema-api-bench.js [rounds]`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SqlEngine } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { SchemaApi, type ApiSchema, type ApiColumn } from '../../src/net/schema-api/index.js';

const ROWS = 10_000;
const ROUNDS = Number(process.argv[2] ?? 5);
const ITER = 20_000;

const col = (name: string, declaredType: string, fieldNumber: number, extra: Partial<ApiColumn> = {}): ApiColumn => ({ name, declaredType, fieldNumber, nullable: true, hasDefault: false, primaryKey: false, autoIncrement: false, ...extra });
const schema: ApiSchema = {
  tables: [{
    name: 'orders', primaryKey: 'id', indexes: [], shardKey: null,
    columns: [col('id', 'INTEGER', 1, { primaryKey: true, nullable: false, autoIncrement: true }), col('customer_id', 'INTEGER', 2, { nullable: false }), col('status', 'TEXT', 3, { hasDefault: true }), col('total_price', 'REAL', 4), col('quantity', 'INTEGER', 5), col('created_at', 'INTEGER', 6, { hasDefault: true })],
  }],
  methods: [],
};

const session = new SqlEngine(openMemoryPartition(0)).session();
session.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))");
session.execute('BEGIN');
for (let i = 1; i <= ROWS; i++) session.execute('INSERT INTO orders (customer_id, total_price, quantity) VALUES (?1, ?2, ?3)', [BigInt(i % 100), i / 7, BigInt(i % 13)]);
session.execute('COMMIT');

const api = new SchemaApi(schema, { exec: async (sql, params) => session.execute(sql, params) });
const g = api.grpc[0]!;
const impl = api.grpcServices()[0]!.implementation;
const getDef = g.definition['GetOrder']!;
const listDef = g.definition['ListOrders']!;

type Case = { name: string; run: (i: number) => Promise<unknown> };

function grpcCall(rpc: string, def: typeof getDef, reqBytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const request = def.requestDeserialize(reqBytes);
    (impl[rpc] as (call: unknown, cb: (e: unknown, v: unknown) => void) => void)({ request }, (e, v) => (e ? reject(e) : resolve(def.responseSerialize(v))));
  });
}

const getReq = (i: number) => getDef.requestSerialize({ id: String(1 + (i % ROWS)) });
const listReq = listDef.requestSerialize({ customer_id: '42', page_size: 50 });

const groups: { title: string; cases: Case[] }[] = [
  {
    title: 'Get by key',
    cases: [
      { name: 'reference: engine.execute', run: async (i) => session.execute('SELECT * FROM "orders" WHERE "id" = ?1', [BigInt(1 + (i % ROWS))]) },
      { name: 'REST GET /v1/orders/{id}', run: (i) => api.rest({ method: 'GET', path: `/v1/orders/${1 + (i % ROWS)}`, query: {}, body: undefined }) },
      { name: 'gRPC GetOrder (decode+encode)', run: (i) => grpcCall('GetOrder', getDef, getReq(i)) },
    ],
  },
  {
    title: 'List 50 rows (customer_id filter, no index)',
    cases: [
      { name: 'reference: engine.execute', run: async () => session.execute('SELECT * FROM "orders" WHERE "customer_id" = ?1 ORDER BY "id" LIMIT ?2', [42n, 51n]) },
      { name: 'REST GET /v1/orders?customer_id=42', run: () => api.rest({ method: 'GET', path: '/v1/orders', query: { customer_id: '42', page_size: '50' }, body: undefined }) },
      { name: 'gRPC ListOrders (decode+encode)', run: () => grpcCall('ListOrders', listDef, listReq) },
    ],
  },
];

async function opsPerSec(c: Case, iter: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iter; i++) await c.run(i);
  return iter / ((performance.now() - t0) / 1000);
}

const lines: string[] = [];
const out = (s: string) => {
  console.log(s);
  lines.push(s);
};
out(`# schema-api overhead (${new Date().toISOString()})`);
out(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${ROWS} rows, ${ROUNDS} interleaved rounds; median ops/s`);
for (const grp of groups) {
  const iter = grp.title.startsWith('List') ? ITER / 20 : ITER;
  for (const c of grp.cases) await opsPerSec(c, iter / 10); // warm-up
  const samples = grp.cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) for (const [k, c] of grp.cases.entries()) samples[k]!.push(await opsPerSec(c, iter));
  const med = samples.map((s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
  out(`\n## ${grp.title}\n| path | ops/s | vs reference |\n|---|---|---|`);
  grp.cases.forEach((c, k) => out(`| ${c.name} | ${Math.round(med[k]!)} | ${(med[k]! / med[0]!).toFixed(2)}x |`));
}
const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}api-schema.md`, `${lines.join('\n')}\n`);
