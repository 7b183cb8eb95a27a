/**
 * Property test against SQLite itself (better-sqlite3): for random i64 and f64 columns with
 * NULLs and edge values, every backend's Kernels give SQLite's answer to
 *   WHERE x op c (=, <>, <, <=, >, >=; c INTEGER, REAL, TEXT or NULL), BETWEEN, NOT BETWEEN,
 *   IN, NOT IN, IS NOT NULL, AND/OR of those, and count/sum/total/avg/min/max over a filter,
 * with the aggregates fed batch by batch (random page-like splits) into one accumulator. INTEGER
 * sums must match exactly, including SQLite's "integer overflow" error; REAL sums follow the
 * documented lane rule, so they are held to SQLite within rounding and to each other exactly.
 * Replay with HELIOS_SEED=<seed>; HELIOS_KERNEL_ITERS scales the run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { HeliosError } from '../../src/errors.js';
import { Kernels, SumAccumulator, type CompareOp, type Selection, type SqlConstant } from '../../src/kernels/index.js';
import { backends, F64_EDGES, I64_EDGES, Rng, testSeed, type TestColumn } from './helpers.js';

const ITERS = Number(process.env['HELIOS_KERNEL_ITERS'] ?? 40);
const OPS: CompareOp[] = ['=', '<>', '<', '<=', '>', '>='];
const SCRATCH = { byteOffset: 1 << 20, byteLength: 1 << 18 };

/** Column values SQLite can hold as they are: no NaN (that is NULL), magnitudes below 1e300. */
function oracleValue(r: Rng, kind: 'i64' | 'f64'): bigint | number {
  if (kind === 'i64') {
    const k = r.int(10);
    if (k < 3) return r.pick(I64_EDGES);
    if (k < 8) return BigInt(r.int(21) - 10);
    return r.i64();
  }
  const k = r.int(10);
  if (k < 2) return r.pick(F64_EDGES.filter((v) => !Number.isNaN(v) && !(Math.abs(v) > 1e300 && Number.isFinite(v))));
  if (k < 7) return (r.int(41) - 20) / 4;
  return (r.u32() / 2 ** 32 - 0.5) * 2 ** (r.int(80) - 40);
}

function writeOracleColumn(mem: WebAssembly.Memory, r: Rng, kind: 'i64' | 'f64', rows: number): TestColumn {
  const dv = new DataView(mem.buffer);
  const byteOffset = 8 * r.int(64), nullBitmapOffset = byteOffset + rows * 8 + r.int(8);
  const values: (bigint | number | null)[] = [];
  const nullRate = r.pick([0, 0.1, 0.5]);
  for (let b = 0; b < (rows + 7) >>> 3; b++) dv.setUint8(nullBitmapOffset + b, 0xff); // padding bits set
  for (let i = 0; i < rows; i++) {
    const v = r.chance(nullRate) ? null : oracleValue(r, kind);
    values.push(v);
    const at = nullBitmapOffset + (i >>> 3);
    dv.setUint8(at, v === null ? dv.getUint8(at) | (1 << (i & 7)) : dv.getUint8(at) & ~(1 << (i & 7)));
    if (kind === 'i64') dv.setBigInt64(byteOffset + 8 * i, v === null ? -1n : (v as bigint), true);
    else dv.setFloat64(byteOffset + 8 * i, v === null ? NaN : (v as number), true);
  }
  return { kind, rows, byteOffset, nullBitmapOffset, values };
}

function constant(r: Rng, col: TestColumn): SqlConstant {
  const present = col.values.filter((v) => v !== null) as (bigint | number)[];
  switch (r.int(9)) {
    case 0: return null;
    case 1: return 'abc';
    case 2: return r.pick(I64_EDGES);
    case 3: return r.pick(F64_EDGES.filter((v) => !Number.isNaN(v)));
    case 4: { const v = present.length ? r.pick(present) : 0n; return typeof v === 'bigint' ? Number(v) + 0.5 : v; }
    case 5: { const v = present.length ? r.pick(present) : 1; return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? BigInt(v) : v; }
    default: return present.length ? r.pick(present) : BigInt(r.int(5));
  }
}

const sqlParam = (c: SqlConstant): unknown => c;

function selectedRows(mem: WebAssembly.Memory, sel: Selection): number[] {
  const u8 = new Uint8Array(mem.buffer, sel.byteOffset, (sel.rows + 7) >>> 3);
  const out: number[] = [];
  for (let i = 0; i < sel.rows; i++) if ((u8[i >>> 3]! >>> (i & 7)) & 1) out.push(i + 1);
  return out;
}

/** Aggregates over the rows of `filter` via batches of 8-row multiples, as pages would feed them. */
function aggregates(k: Kernels, r: Rng, col: TestColumn, filter: (k: Kernels, c: TestColumn, rows: number) => Selection) {
  const acc = new SumAccumulator();
  let count = 0;
  let min: bigint | number | null = null, max: bigint | number | null = null;
  let start = 0;
  while (start < col.rows) {
    const len = Math.min(col.rows - start, 8 * (1 + r.int(12)));
    const part: TestColumn = { ...col, rows: len, byteOffset: col.byteOffset + 8 * start, nullBitmapOffset: col.nullBitmapOffset + start / 8 };
    const sel = filter(k, part, len);
    count += k.count(part, len, sel);
    k.sum(part, len, sel, acc);
    const lo = k.min(part, len, sel), hi = k.max(part, len, sel);
    if (lo !== null && (min === null || lo < min)) min = lo;
    if (hi !== null && (max === null || hi > max)) max = hi;
    k.reset();
    start += len;
  }
  let sum: unknown;
  try { sum = acc.sum(); } catch (e) { sum = e instanceof HeliosError ? `error: ${e.message}` : e; }
  return { count, sum, total: acc.total(), avg: acc.avg(), min, max };
}

const closeReal = (a: unknown, b: unknown, scale: number): boolean => {
  if (typeof a === 'bigint' || typeof b === 'bigint' || typeof a === 'string' || typeof b === 'string') return a === b;
  const na = a === null || (typeof a === 'number' && Number.isNaN(a));
  const nb = b === null || (typeof b === 'number' && Number.isNaN(b));
  if (na || nb) return na && nb;
  const x = a as number, y = b as number;
  return x === y || Math.abs(x - y) <= 1e-12 * scale;
};

test('kernels answer as SQLite does, on every backend', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (HELIOS_SEED=${seed} to replay)`);
  const r = new Rng(seed);
  const mem = new WebAssembly.Memory({ initial: 24 });
  const { list } = backends(mem);
  const kernels = list.map((b) => new Kernels(b, mem, SCRATCH));
  t.diagnostic(`backends: ${kernels.map((k) => k.backend).join(', ')}`);
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);

  for (let iter = 0; iter < ITERS; iter++) {
    const kind = r.chance(0.5) ? 'i64' : 'f64';
    const rows = r.int(300);
    const col = writeOracleColumn(mem, r, kind, rows);
    db.exec(`DROP TABLE IF EXISTS t; CREATE TABLE t(x ${kind === 'i64' ? 'INTEGER' : 'REAL'})`);
    const ins = db.prepare('INSERT INTO t(rowid, x) VALUES (?, ?)');
    col.values.forEach((v, i) => ins.run(BigInt(i + 1), v));
    const ctx = `iter ${iter} ${kind} rows ${rows} seed ${seed}`;

    // Each filter: SQL text + params, and the same filter through the kernels.
    const filters: { sql: string; params: unknown[]; run: (k: Kernels, c: TestColumn, n: number) => Selection }[] = [];
    for (let q = 0; q < 8; q++) {
      const op = r.pick(OPS), c = constant(r, col);
      filters.push({ sql: `x ${op} ?`, params: [sqlParam(c)], run: (k, cc, n) => k.compare(cc, n, op, c) });
    }
    for (let q = 0; q < 3; q++) {
      const lo = constant(r, col), hi = constant(r, col), neg = r.chance(0.5);
      filters.push({ sql: `x ${neg ? 'NOT ' : ''}BETWEEN ? AND ?`, params: [lo, hi], run: (k, cc, n) => k.between(cc, n, lo, hi, neg) });
    }
    for (let q = 0; q < 3; q++) {
      const vals = Array.from({ length: r.int(6) }, () => constant(r, col)), neg = r.chance(0.5);
      if (vals.length === 0) continue; // "x IN ()" is not SQL
      filters.push({
        sql: `x ${neg ? 'NOT ' : ''}IN (${vals.map(() => '?').join(', ')})`, params: vals,
        run: (k, cc, n) => k.inList(cc, n, vals, neg),
      });
    }
    filters.push({ sql: 'x IS NOT NULL', params: [], run: (k, cc, n) => k.notNull(cc, n) });
    const [f1, f2] = [r.pick(filters), r.pick(filters)];
    filters.push({ sql: `(${f1.sql}) AND (${f2.sql})`, params: [...f1.params, ...f2.params], run: (k, cc, n) => k.and(f1.run(k, cc, n), f2.run(k, cc, n)) });
    filters.push({ sql: `(${f1.sql}) OR (${f2.sql})`, params: [...f1.params, ...f2.params], run: (k, cc, n) => k.or(f1.run(k, cc, n), f2.run(k, cc, n)) });

    for (const f of filters) {
      const want = (db.prepare(`SELECT rowid FROM t WHERE ${f.sql} ORDER BY rowid`).all(...f.params) as { rowid: bigint }[]).map((x) => Number(x.rowid));
      for (const k of kernels) {
        const got = selectedRows(mem, f.run(k, col, rows));
        assert.deepEqual(got, want, `${ctx} backend ${k.backend}: WHERE ${f.sql} with ${f.params.map(String).join(', ')}`);
        k.reset();
      }
    }

    // Aggregates over one filter, batch splits drawn from the same seed for every backend.
    const f = r.pick(filters);
    const aggSql = `SELECT count(x) AS count, total(x) AS total, avg(x) AS avg, min(x) AS min, max(x) AS max FROM t WHERE ${f.sql}`;
    const want = db.prepare(aggSql).get(...f.params) as Record<string, unknown>;
    let wantSum: unknown;
    try { wantSum = db.prepare(`SELECT sum(x) AS s FROM t WHERE ${f.sql}`).get(...f.params) as { s: unknown }; wantSum = (wantSum as { s: unknown }).s; }
    catch (e) { wantSum = `error: ${(e as Error).message}`; }
    const splitSeed = r.u32();
    const scale = col.values.reduce<number>((s, v) => s + (v === null ? 0 : Math.abs(Number(v))), 1);
    let first: ReturnType<typeof aggregates> | undefined;
    for (const k of kernels) {
      const got = aggregates(k, new Rng(splitSeed), col, f.run);
      const where = `${ctx} backend ${k.backend}: aggregates WHERE ${f.sql} with ${f.params.map(String).join(', ')}`;
      assert.equal(BigInt(got.count), want['count'], `${where}: count`);
      const asSql = (v: bigint | number | null): unknown => (typeof v === 'number' && Number.isInteger(v) && kind === 'i64' ? BigInt(v) : v);
      assert.ok(closeReal(got.sum, wantSum, scale), `${where}: sum ${String(got.sum)} vs SQLite ${String(wantSum)}`);
      assert.ok(closeReal(got.total, want['total'], scale), `${where}: total ${got.total} vs SQLite ${String(want['total'])}`);
      assert.ok(closeReal(got.avg, want['avg'], scale), `${where}: avg ${got.avg} vs SQLite ${String(want['avg'])}`);
      assert.ok(closeReal(asSql(got.min), want['min'], 0), `${where}: min ${String(got.min)} vs SQLite ${String(want['min'])}`);
      assert.ok(closeReal(asSql(got.max), want['max'], 0), `${where}: max ${String(got.max)} vs SQLite ${String(want['max'])}`);
      // Across backends: identical, bit for bit (Object.is tells -0 from +0).
      if (first === undefined) first = got;
      else {
        for (const key of ['count', 'sum', 'total', 'avg', 'min', 'max'] as const) {
          const a = got[key], b = first[key];
          assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${where}: ${key} ${String(a)} differs from scalar's ${String(b)}`);
        }
      }
    }
  }
  db.close();
});
