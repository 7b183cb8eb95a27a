/**
 * Storage benchmark: the paged engine against SQLite (better-sqlite3, a dev dependency) on the
 * same data in the same run, printed as ratios and written to bench/results/storage.md.
 *
 *   node dist/bench/storage/storage-bench.js [--rows 1000000] [--lookups 200000] [--commits 2000]
 *                                            [--page-size 32768] [--json <file>]
 *
 * `--page-size`: our page size (a power of two, 1024…65536). `--json`: write the results there as
 * JSON instead of bench/results/storage.md (bench/storage/page-size-bench collects them so).
 *
 * Rows: (rowid, a INTEGER, b REAL, c TEXT ~20 chars). Both engines get the same cache (256 MiB)
 * and run in WAL mode on the same disk. SQLite "sync" = synchronous=FULL (fsync per commit),
 * "async" = synchronous=NORMAL (WAL written per commit, fsync at checkpoints); ours = wal_mode.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { createBufferPool, openPartition, type PagedPartition } from '../../src/storage/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as typeof import('better-sqlite3');

const arg = (n: string, d: number): number => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const ROWS = arg('rows', 1_000_000);
const BATCH = 100_000;
const LOOKUPS = arg('lookups', 200_000);
const COMMITS = arg('commits', 2000);
const CACHE_MB = 256;
const PAGE_SIZE = arg('page-size', 32768); // the server's default, [storage] page_size_kb = 32
const jsonAt = process.argv.indexOf('--json');
const JSON_OUT = jsonAt >= 0 ? process.argv[jsonAt + 1]! : null;

const base = fs.mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'helios-bench-'));
const text = (i: number): string => `customer-${i}-${(i * 2654435761) % 1000003}`;
const now = (): number => Number(process.hrtime.bigint()) / 1e9;

interface Result {
  name: string;
  ours: number;
  sqlite: number;
  unit: string;
  aim: string;
}
const results: Result[] = [];
function report(name: string, ours: number, sqlite: number, unit: string, aim: string): void {
  results.push({ name, ours, sqlite, unit, aim });
  console.log(`${name.padEnd(44)} ours ${fmt(ours).padStart(12)} ${unit}   sqlite ${fmt(sqlite).padStart(12)}   ratio ${(ours / sqlite).toFixed(2)}   (aim ${aim})`);
}
const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

function sqliteOpen(file: string, sync: boolean): import('better-sqlite3').Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = -${CACHE_MB * 1024}`);
  return db;
}

function oursOpen(dir: string, mode: 'sync' | 'async'): PagedPartition {
  const pool = createBufferPool({ bytes: CACHE_MB * 1024 * 1024, pageSize: PAGE_SIZE });
  return openPartition(0, { dir, walMode: mode, checkpointWalBytes: 256 * 1024 * 1024 }, pool);
}

// ---------- load: batch inserts of 100k rows ----------
const sdb = sqliteOpen(path.join(base, 'sqlite.db'), true);
sdb.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT)');
const ins = sdb.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
const loadSqlite = sdb.transaction((from: number, to: number) => {
  for (let i = from; i < to; i++) ins.run(i, i * 7, i / 3, text(i));
});
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const sqliteRates: number[] = [];
for (let from = 1; from <= ROWS; from += BATCH) {
  const t0 = now();
  const to = Math.min(ROWS + 1, from + BATCH);
  loadSqlite(from, to);
  sqliteRates.push((to - from) / (now() - t0));
}
const sqliteBatch = median(sqliteRates);

const odir = path.join(base, 'ours');
const p = oursOpen(odir, 'sync');
{
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'real', 'text'] });
  t.commit();
  p.sync();
}
const oursRates: number[] = [];
for (let from = 1; from <= ROWS; from += BATCH) {
  const t0 = now();
  const t = p.begin();
  const to = Math.min(ROWS + 1, from + BATCH);
  for (let i = from; i < to; i++) t.insert(1, BigInt(i), [BigInt(i * 7), i / 3, text(i)]);
  t.commit();
  p.sync();
  oursRates.push((to - from) / (now() - t0));
}
const oursBatch = median(oursRates);
p.checkpoint();
report(`batch insert, 100k rows per transaction (median of ${oursRates.length})`, oursBatch, sqliteBatch, 'rows/s', '>= 1.0');

// ---------- full scan over all rows ----------
{
  const stmt = sdb.prepare('SELECT id, a, b, c FROM t').raw(true);
  let t0 = now();
  let n = 0;
  let sum = 0;
  for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
    n++;
    sum += (row[1] as number) + (row[2] as number) + (row[3] as string).length;
  }
  const sqliteScan = n / (now() - t0);
  const t = p.begin();
  t0 = now();
  let m = 0;
  let sum2 = 0;
  const c = t.scan(1);
  for (let b = c.nextBatch(); b; b = c.nextBatch()) {
    for (let i = 0; i < b.length; i++) {
      b.rowid(i);
      sum2 += Number(b.value(i, 0) as bigint) + (b.value(i, 1) as number) + (b.value(i, 2) as string).length;
    }
    m += b.length;
  }
  c.close();
  const oursScan = m / (now() - t0);
  if (m !== n || Math.abs(sum - sum2) > 1e-6 * Math.abs(sum)) throw new Error(`scan mismatch: ${m} vs ${n} rows, ${sum2} vs ${sum}`);
  report(`full scan, ${ROWS.toLocaleString('en-US')} rows, all columns`, oursScan, sqliteScan, 'rows/s', '>= 1.0');
  // the kernels' view: column a as an i64 array in the pool, no per-value objects
  t0 = now();
  let k = 0;
  let s3 = 0n;
  const c2 = t.scan(1);
  for (let b = c2.nextBatch(); b; b = c2.nextBatch()) {
    const v = b.fixedColumn(0);
    if (v) {
      const arr = new BigInt64Array(v.memory.buffer as ArrayBuffer, v.byteOffset, b.length);
      for (let i = 0; i < b.length; i++) s3 += arr[i]!;
    } else for (let i = 0; i < b.length; i++) s3 += b.value(i, 0) as bigint;
    k += b.length;
  }
  c2.close();
  const oursCol = k / (now() - t0);
  const sq = sdb.prepare('SELECT sum(a) FROM t').pluck();
  t0 = now();
  const ssum = sq.get() as number;
  const sqliteSum = n / (now() - t0);
  if (BigInt(ssum) !== s3) throw new Error('sum mismatch');
  report('SUM(a): JS BigInt loop over fixedColumn vs SQL sum()', oursCol, sqliteSum, 'rows/s', 'info');
  t.abort();
}

// ---------- point lookups by rowid ----------
{
  const ids: number[] = [];
  let x = 12345;
  for (let i = 0; i < LOOKUPS; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ids.push(1 + (x % ROWS));
  }
  const get = sdb.prepare('SELECT a, b, c FROM t WHERE id = ?').raw(true);
  let t0 = now();
  let chk = 0;
  for (const id of ids) chk += (get.get(id) as unknown[])[0] as number;
  const sqliteGet = LOOKUPS / (now() - t0);
  const t = p.begin();
  t0 = now();
  let chk2 = 0;
  for (const id of ids) chk2 += Number(t.get(1, BigInt(id))![0] as bigint);
  const oursGet = LOOKUPS / (now() - t0);
  t.abort();
  if (chk !== chk2) throw new Error('lookup mismatch');
  report('point lookups by rowid (random, warm cache)', oursGet, sqliteGet, 'lookups/s', '>= 0.5');
}
// ---------- indexed writes and unique lookups (info: no aim in the issue) ----------
{
  sdb.exec('CREATE TABLE x (id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT); CREATE INDEX xa ON x(a); CREATE UNIQUE INDEX xc ON x(c COLLATE NOCASE)');
  const insx = sdb.prepare('INSERT INTO x VALUES (?, ?, ?, ?)');
  const N = Math.min(BATCH, ROWS);
  let t0 = now();
  sdb.transaction(() => {
    for (let i = 1; i <= N; i++) insx.run(i, (i * 7919) % 1000003, i / 3, text(i));
  })();
  const sqliteIdx = N / (now() - t0);
  const t = p.begin();
  t.createTable({ id: 2, columns: ['integer', 'real', 'text'] });
  t.createIndex({ id: 3, table: 2, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: false });
  t.createIndex({ id: 4, table: 2, parts: [{ column: 2, desc: false, collation: 'nocase' }], unique: true });
  t.commit();
  t0 = now();
  const u = p.begin();
  for (let i = 1; i <= N; i++) u.insert(2, BigInt(i), [BigInt((i * 7919) % 1000003), i / 3, text(i)]);
  u.commit();
  p.sync();
  report('batch insert, 100k rows, 2 indexes (one UNIQUE NOCASE)', N / (now() - t0), sqliteIdx, 'rows/s', 'info');
  const q = sdb.prepare('SELECT id FROM x WHERE c = ? COLLATE NOCASE').pluck();
  const M = Math.min(LOOKUPS, 100_000);
  t0 = now();
  for (let i = 0; i < M; i++) q.get(text(1 + ((i * 13) % N)).toUpperCase());
  const sqliteLk = M / (now() - t0);
  const v = p.begin();
  t0 = now();
  for (let i = 0; i < M; i++) v.indexLookup(4, [text(1 + ((i * 13) % N)).toUpperCase()]);
  report('unique index lookups (NOCASE TEXT)', M / (now() - t0), sqliteLk, 'lookups/s', 'info');
  v.abort();
}
sdb.close();
p.close();

// ---------- single-row commits ----------
function sqliteCommits(sync: boolean, COMMITS: number): number {
  const db = sqliteOpen(path.join(base, `commits-${sync}.db`), sync);
  db.exec('CREATE TABLE k (id INTEGER PRIMARY KEY, a INTEGER, c TEXT)');
  const st = db.prepare('INSERT INTO k VALUES (?, ?, ?)');
  const t0 = now();
  for (let i = 1; i <= COMMITS; i++) st.run(i, i, text(i));
  const r = COMMITS / (now() - t0);
  db.close();
  return r;
}
function oursCommits(mode: 'sync' | 'async', writers: number, COMMITS: number): number {
  const dir = path.join(base, `ours-commits-${mode}-${writers}`);
  const q = oursOpen(dir, mode);
  const t = q.begin();
  t.createTable({ id: 1, columns: ['integer', 'text'] });
  t.commit();
  q.sync();
  const t0 = now();
  let i = 1;
  while (i <= COMMITS) {
    // one shard batch: `writers` clients' single-row transactions, then one group commit
    const open = [];
    for (let w = 0; w < writers && i <= COMMITS; w++, i++) {
      const x = q.begin();
      x.insert(1, BigInt(i), [BigInt(i), text(i)]);
      open.push(x);
    }
    for (const x of open) x.commit();
    q.sync();
  }
  const r = COMMITS / (now() - t0);
  q.close();
  return r;
}
const sqSync = sqliteCommits(true, COMMITS);
report('single-row commits, sync, 1 writer', oursCommits('sync', 1, COMMITS), sqSync, 'commits/s', 'info');
report('single-row commits, sync, 16 writers (group commit)', oursCommits('sync', 16, COMMITS * 4), sqSync, 'commits/s', '>= 1.0');
const sqAsync = sqliteCommits(false, COMMITS * 25);
report('single-row commits, async, 1 writer', oursCommits('async', 1, COMMITS * 25), sqAsync, 'commits/s', 'info');
report('single-row commits, async, 16 writers', oursCommits('async', 16, COMMITS * 25), sqAsync, 'commits/s', 'info');

fs.rmSync(base, { recursive: true, force: true });

// ---------- write the results ----------
const cpu = os.cpus()[0]?.model ?? 'unknown';
const pkg = JSON.parse(fs.readFileSync(new URL('../../../node_modules/better-sqlite3/package.json', import.meta.url), 'utf8')) as { version: string };
const lines = [
  '# Storage benchmark: paged engine vs SQLite',
  '',
  `Run: ${new Date().toISOString()} — \`node dist/bench/storage/storage-bench.js --rows ${ROWS} --lookups ${LOOKUPS} --commits ${COMMITS} --page-size ${PAGE_SIZE}\``,
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version};`,
  `SQLite ${String(new Database(':memory:').prepare('select sqlite_version()').pluck().get())} via better-sqlite3 ${pkg.version} (WAL mode, cache ${CACHE_MB} MiB); ours: ${PAGE_SIZE / 1024} KiB pages, ${CACHE_MB} MiB pool.`,
  'The machine is shared with other jobs, so absolute numbers are noisy; the ratios come from the same run.',
  '',
  '| measurement | ours | SQLite | ratio | aim |',
  '|---|---:|---:|---:|---|',
  ...results.map((r) => `| ${r.name} | ${fmt(r.ours)} ${r.unit} | ${fmt(r.sqlite)} ${r.unit} | ${(r.ours / r.sqlite).toFixed(2)} | ${r.aim} |`),
  '',
];
if (JSON_OUT !== null) {
  fs.writeFileSync(JSON_OUT, JSON.stringify({ date: new Date().toISOString(), pageSize: PAGE_SIZE, rows: ROWS, loadAvg1m: os.loadavg()[0], results }, null, 2) + '\n');
  console.log(`written ${JSON_OUT}`);
  process.exit(0);
}
const out = new URL('../../../bench/results/storage.md', import.meta.url);
fs.mkdirSync(new URL('.', out), { recursive: true });
fs.writeFileSync(out, lines.join('\n'));
console.log(`written ${fileURLToPathSafe(out)}`);

function fileURLToPathSafe(u: URL): string {
  return decodeURIComponent(u.pathname);
}
