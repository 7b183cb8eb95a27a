/**
 * Joins across partitions, before and after join routing (src/coordinator/join-pushdown.ts), side
 * by side in one run on the same data: `router.joinRouting = false` is the old path (every table
 * the query reads, whole, from every partition into the coordinator's mirror), `true` the new.
 *
 *   co-located point join         orders ⋈ items for one customer: one partition, as a point query
 *   co-located join + aggregate   orders ⋈ items on customer_id (both sharded on it), GROUP BY
 *   co-located join, ORDER BY … LIMIT 10
 *   non-co-located, selective     products (rowid-sharded) filtered to a few rows ⋈ items on product_id
 *   non-co-located, not selective the same join over every product (the semi-join's overhead)
 *
 * Latency: a Coordinator with 2 shards over 16 partitions (real worker threads and rings, WAL
 * async), queries one at a time, old and new alternating per round; the median of the rounds.
 * Rows and bytes moved: the same data in the in-process harness (test/shards/harness.ts, whose
 * executor encodes every reply with the rings' JSON codec and counts its bytes).
 * Writes bench/results/shards-join.md. Run: `npm run build && node dist/bench/shards/join-bench.js [rounds] [queries per round]`.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Coordinator } from '../../src/coordinator/index.js';
import { createLogger } from '../../src/log.js';
import type { Router } from '../../src/coordinator/router.js';
import { localRouter } from '../../test/shards/harness.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const PER_ROUND = Number(process.argv[3] ?? 5);
const PARTITIONS = 16;
const CUSTOMERS = 1000;
const ORDERS = 5000;
const ITEMS = 20000;
const PRODUCTS = 500;

const SCHEMA = [
  'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, region TEXT)',
  'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, placed INTEGER)',
  'CREATE TABLE items (id INTEGER PRIMARY KEY, customer_id INTEGER, order_id INTEGER, product_id INTEGER, qty INTEGER, price REAL)',
  'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, category TEXT)',
];
const SHARD_KEYS = { orders: 'customer_id', items: 'customer_id' };

/** Deterministic data as multi-row INSERTs (a fixed LCG, so both databases get the same rows). */
function dataStatements(): string[] {
  let x = 12345;
  const next = (n: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return (x >>> 8) % n; }; // the high bits: an LCG's low bits cycle fast
  const out: string[] = [];
  const chunks = (n: number, row: (i: number) => string, table: string): void => {
    for (let i = 1; i <= n; i += 500) out.push(`INSERT INTO ${table} VALUES ${Array.from({ length: Math.min(500, n - i + 1) }, (_, j) => row(i + j)).join(', ')}`);
  };
  chunks(CUSTOMERS, (i) => `(${i}, 'c${i}', '${['eu', 'us', 'apac'][next(3)]}')`, 'customers');
  const orderCustomer: number[] = [0];
  chunks(ORDERS, (i) => { const c = 1 + next(CUSTOMERS); orderCustomer[i] = c; return `(${i}, ${c}, '${['new', 'paid', 'shipped', 'done'][next(4)]}', ${next(100000)})`; }, 'orders');
  chunks(ITEMS, (i) => { const o = 1 + next(ORDERS); return `(${i}, ${orderCustomer[o]}, ${o}, ${1 + next(PRODUCTS)}, ${1 + next(9)}, ${next(10000) / 100})`; }, 'items');
  chunks(PRODUCTS, (i) => `(${i}, 'p${i}', '${i % 100 === 0 ? 'rare' : ['tools', 'food', 'toys'][next(3)]}')`, 'products');
  return out;
}

const CASES: [string, string][] = [
  ['co-located point join (WHERE customer_id = 42)', 'SELECT o.id, i.id, i.qty, i.price FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE o.customer_id = 42 ORDER BY o.id, i.id'],
  ['co-located join + GROUP BY aggregate', 'SELECT o.status, count(*), sum(i.qty * i.price), max(i.price) FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id GROUP BY o.status ORDER BY o.status'],
  ['co-located join, ORDER BY … LIMIT 10', 'SELECT o.id, i.id, i.price FROM orders o JOIN items i ON i.customer_id = o.customer_id AND i.order_id = o.id WHERE i.qty > 3 ORDER BY i.price DESC, i.id LIMIT 10'],
  ['non-co-located join, selective small side', 'SELECT p.name, count(*), sum(i.qty) FROM products p JOIN items i ON i.product_id = p.id WHERE p.category = \'rare\' GROUP BY p.name ORDER BY p.name'],
  // The semi-join's worst case: nothing is selective (500 keys cover every item), so it pays the
  // count round trip and a 500-value IN-list per partition and still moves every row.
  ['non-co-located join, nothing selective', 'SELECT p.category, count(*), sum(i.qty) FROM products p JOIN items i ON i.product_id = p.id GROUP BY p.category ORDER BY p.category'],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const key = (rows: unknown): string => JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : typeof v === 'number' ? Number(v.toPrecision(10)) : v));

// 1. Rows and bytes moved, in process.
const moved = new Map<string, { oldBytes: number; newBytes: number; newRows: number; oldRows: number }>();
{
  const { router, exec } = await localRouter(PARTITIONS, 2, { shardKeys: SHARD_KEYS });
  for (const sql of [...SCHEMA, ...dataStatements()]) await router.execute([{ sql, params: [] }], 'one');
  const sizes = new Map<string, number>();
  for (const t of ['orders', 'items', 'products']) sizes.set(t, Number((await router.execute([{ sql: `SELECT count(*) FROM ${t}`, params: [] }], 'one'))[0]!.rows[0]![0]));
  for (const [name, sql] of CASES) {
    const once = async (on: boolean): Promise<{ bytes: number; rows: unknown }> => {
      router.joinRouting = on;
      const b0 = exec.bytesReplied;
      const r = await router.execute([{ sql, params: [] }], 'one');
      return { bytes: exec.bytesReplied - b0, rows: r[0]!.rows };
    };
    const old = await once(false);
    const r0 = router.joinStats.rowsMoved;
    const neu = await once(true);
    if (key(old.rows) !== key(neu.rows)) throw new Error(`${name}: results differ between the paths`);
    const tables = [...sizes.keys()].filter((t) => new RegExp(`\\b${t}\\b`).test(sql));
    // On one partition the statement's own result is what crosses.
    const newRows = router.lastRoute.kind === 'single' ? (neu.rows as unknown[]).length : router.joinStats.rowsMoved - r0;
    moved.set(name, { oldBytes: old.bytes, newBytes: neu.bytes, newRows, oldRows: tables.reduce((n, t) => n + sizes.get(t)!, 0) });
  }
}

// 2. Latency through the rings: old and new alternate within each round.
const times = new Map<string, number[]>();
const dir = mkdtempSync(path.join(os.tmpdir(), 'heliosdb-bench-join-'));
const c = new Coordinator({
  shards: 2,
  partitions: PARTITIONS,
  shardKeys: SHARD_KEYS,
  storage: { dataDir: dir, walMode: 'async', cacheBytes: 64 * 1024 * 1024, asyncSyncIntervalMs: 10, checkpointWalBytes: 64 * 1024 * 1024, logLevel: 'error', simd: 'auto', pageSize: 32 * 1024 },
  log: createLogger('error'),
  onFatal: (r) => { throw new Error(r); },
});
try {
  await c.start();
  for (const sql of [...SCHEMA, ...dataStatements()]) await c.exec(sql, []);
  const router: Router = c.router;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, sql] of CASES) {
      for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
        router.joinRouting = on;
        const t0 = performance.now();
        for (let i = 0; i < PER_ROUND; i++) await c.exec(sql, []);
        const k = `${name}|${on}`;
        times.set(k, [...(times.get(k) ?? []), (performance.now() - t0) / PER_ROUND]);
      }
    }
  }
} finally {
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
}

const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const lines = [
  '# Joins across partitions: whole-table fetch (old) vs join routing (new)',
  '',
  `${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${load}. ${PARTITIONS} partitions, 2 shards, WAL async; ${CUSTOMERS} customers, ${ORDERS} orders and ${ITEMS} items (both sharded on customer_id), ${PRODUCTS} products (rowid). Latency: median of ${ROUNDS} rounds × ${PER_ROUND} queries, old and new alternating. Rows/bytes: in-process harness, replies encoded with the rings' codec.`,
  '',
  '| case | old ms/query | new ms/query | speed-up | rows moved old → new | bytes moved old → new |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const [name] of CASES) {
  const o = median(times.get(`${name}|false`)!);
  const n = median(times.get(`${name}|true`)!);
  const m = moved.get(name)!;
  lines.push(`| ${name} | ${o.toFixed(1)} | ${n.toFixed(1)} | ${(o / n).toFixed(1)}× | ${m.oldRows} → ${m.newRows} | ${kb(m.oldBytes)} → ${kb(m.newBytes)} (${(m.oldBytes / Math.max(1, m.newBytes)).toFixed(0)}×) |`);
}
console.log(lines.join('\n'));
const out = fileURLToPath(new URL('../../../bench/results/shards-join.md', import.meta.url));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
