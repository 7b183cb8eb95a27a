/**
 * SQL engine benchmark: HeliosDB's engine over the paged storage the server uses (or, with
 * `--storage memory`, the in-memory test partition) against SQLite
 * (better-sqlite3, in-memory) on the same data in the same run. Prints time per query for both
 * and the ratio (ours / SQLite; lower is better) and writes bench/results/sql-<date>.json.
 *
 *   node dist/bench/sql/sql-bench.js [--orders 50000] [--seconds 1] [--storage paged|memory] [--runs 3] [--only <case>]
 *                                    [--page-size 32768] [--json <file>]
 *
 * `--page-size` sets the paged storage's page size (a power of two, 1024…65536); `--json` writes
 * the results there instead of bench/results/sql-<storage>-<date>.json (bench/storage/page-size-bench
 * collects them so).
 *
 * Each case is timed `--runs` times (SQLite then ours, alternating, so both see the same load);
 * the reported numbers are the medians, and the JSON keeps every run's ratio and the load average.
 *
 * Both run prepared/cached statements with parameters; SQLite's numbers are its C engine plus the
 * better-sqlite3 binding, ours are TypeScript end to end (parse cached, plan cached).
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlEngine } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { createBufferPool, openPartition, type Partition } from '../../src/storage/index.js';



const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const ORDERS = arg('orders', 50000);
const CUSTOMERS = Math.max(10, Math.floor(ORDERS / 50));
const SECONDS = arg('seconds', 1);
const RUNS = arg('runs', 3);
const STORAGE = args.includes('--storage') ? args[args.indexOf('--storage') + 1]! : 'paged';
/** `--only <text>`: run just the cases whose name contains it (for profiling one query). */
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1]! : null;
const PAGE_SIZE = arg('page-size', 32768); // the server's default, [storage] page_size_kb = 32
const JSON_OUT = args.includes('--json') ? args[args.indexOf('--json') + 1]! : null;

/** The partition under test: the server's paged engine (async WAL, 128 MiB pool) or the memory model. */
function openBenchPartition(): { partition: Partition; cleanup: () => void } {
  if (STORAGE === 'memory') return { partition: openMemoryPartition(0), cleanup: () => {} };
  if (STORAGE !== 'paged') throw new Error(`--storage must be paged or memory, not ${STORAGE}`);
  const dir = mkdtempSync(resolve(tmpdir(), 'heliosdb-sql-bench-'));
  const partition = openPartition(0, { dir, walMode: 'async' }, createBufferPool({ bytes: 128 * 1024 * 1024, pageSize: PAGE_SIZE }));
  return { partition, cleanup: () => { partition.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const SCHEMA = [
  "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL)",
  "CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'new', total REAL, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))",
  'CREATE INDEX orders_customer_created ON orders(customer_id, created_at DESC)',
];

let seed = 12345;
const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };

interface Case { name: string; sql: string; params: () => (bigint | number | string)[] }
const CASES: Case[] = [
  { name: 'point SELECT by key', sql: 'SELECT * FROM orders WHERE id = ?', params: () => [BigInt(1 + Math.floor(rand() * ORDERS))] },
  { name: 'range ORDER BY id LIMIT 100', sql: 'SELECT id, total FROM orders WHERE id > ? ORDER BY id LIMIT 100', params: () => [BigInt(Math.floor(rand() * (ORDERS - 200)))] },
  { name: 'customer_id = ? ORDER BY created_at DESC LIMIT 50', sql: 'SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 50', params: () => [BigInt(1 + Math.floor(rand() * CUSTOMERS))] },
  { name: 'GROUP BY aggregate (full scan)', sql: 'SELECT status, count(*), sum(total), avg(total) FROM orders GROUP BY status', params: () => [] },
  { name: 'two-table join (one customer)', sql: 'SELECT c.name, o.id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = ?', params: () => [BigInt(1 + Math.floor(rand() * CUSTOMERS))] },
  { name: 'two-table join + GROUP BY (full)', sql: 'SELECT c.region, count(*), sum(o.total) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region', params: () => [] },
];

function timeIt(fn: () => void): { perOpUs: number; ops: number } {
  for (let i = 0; i < 20; i++) fn(); // warm-up (JIT, caches)
  let ops = 0;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    now = performance.now();
  }
  return { perOpUs: ((now - t0) * 1000) / ops, ops };
}

function main(): void {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  const { partition, cleanup } = openBenchPartition();
  const engine = new SqlEngine(partition);
  const s = engine.session();
  for (const q of SCHEMA) { db.exec(q); s.execute(q); }
  const regions = ['north', 'south', 'east', 'west'];
  const statuses = ['new', 'paid', 'shipped', 'cancelled'];
  const insC = db.prepare('INSERT INTO customers VALUES (?, ?, ?)');
  const insO = db.prepare('INSERT INTO orders(customer_id, status, total, created_at) VALUES (?, ?, ?, ?)');
  const t0 = performance.now();
  db.exec('BEGIN');
  s.execute('BEGIN');
  for (let i = 1; i <= CUSTOMERS; i++) {
    const row = [BigInt(i), `customer ${i}`, regions[i % 4]!];
    insC.run(...row);
    s.execute('INSERT INTO customers VALUES (?, ?, ?)', row);
  }
  for (let i = 1; i <= ORDERS; i++) {
    const row = [BigInt(1 + Math.floor(rand() * CUSTOMERS)), statuses[Math.floor(rand() * 4)]!, Math.round(rand() * 100000) / 100, BigInt(1700000000 + Math.floor(rand() * 10000000))];
    insO.run(...row);
    s.execute('INSERT INTO orders(customer_id, status, total, created_at) VALUES (?, ?, ?, ?)', row);
  }
  db.exec('COMMIT');
  s.execute('COMMIT');
  console.log(`loaded ${ORDERS} orders, ${CUSTOMERS} customers into both engines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const results: { case: string; sqliteUs: number; oursUs: number; ratio: number; ratios: number[]; sameResult: boolean }[] = [];
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const loadBefore = loadavg()[0]!;
  console.log(`${'case'.padEnd(52)} ${'sqlite µs'.padStart(10)} ${'ours µs'.padStart(10)} ${'ratio'.padStart(7)}`);
  for (const c of CASES) {
    if (ONLY !== null && !c.name.includes(ONLY)) continue;
    const st = db.prepare(c.sql).raw(true);
    const p = c.params();
    const a = JSON.stringify(st.all(...p), (_k, v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'number' ? Number(v.toPrecision(12)) : v));
    const b = JSON.stringify(s.execute(c.sql, p).rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : typeof v === 'number' ? Number(v.toPrecision(12)) : v));
    const liteUs: number[] = [];
    const oursUs: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const lite = timeIt(() => { st.all(...c.params()); });
      const ours = timeIt(() => { s.execute(c.sql, c.params()); });
      liteUs.push(lite.perOpUs);
      oursUs.push(ours.perOpUs);
      ratios.push(ours.perOpUs / lite.perOpUs);
    }
    const ratio = median(ratios);
    results.push({ case: c.name, sqliteUs: median(liteUs), oursUs: median(oursUs), ratio, ratios, sameResult: a === b });
    console.log(`${c.name.padEnd(52)} ${median(liteUs).toFixed(1).padStart(10)} ${median(oursUs).toFixed(1).padStart(10)} ${ratio.toFixed(2).padStart(6)}x${a === b ? '' : '  (RESULTS DIFFER)'}`);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '../../..');
  const pkg = JSON.parse(readFileSync(resolve(root, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
  const out = {
    date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
    loadAvg1m: { before: loadBefore, after: loadavg()[0]! }, runs: RUNS, ratioIs: `median over ${RUNS} runs of ours/SQLite`,
    betterSqlite3: pkg.version, sqlite: (db.prepare('SELECT sqlite_version()').pluck().get() as string), orders: ORDERS, customers: CUSTOMERS,
    storage: STORAGE === 'paged' ? `paged partition (async WAL, 128 MiB buffer pool, ${PAGE_SIZE}-byte pages); SQLite :memory:` : 'memory partition; SQLite :memory:', results,
  };
  if (ONLY !== null) { cleanup(); return; } // a partial run is for profiling, not a result
  mkdirSync(JSON_OUT !== null ? dirname(resolve(JSON_OUT)) : resolve(root, 'bench/results'), { recursive: true });
  const file = JSON_OUT !== null ? resolve(JSON_OUT) : resolve(root, `bench/results/sql-${STORAGE}-${out.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
  cleanup();
}

main();
