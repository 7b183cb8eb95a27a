/**
 * A plain in-memory model of a partition (Maps and sorted arrays) with SQLite's key semantics,
 * and a randomized driver that runs the same operations against the paged engine and the model
 * and fails on the first difference. Used by the CI-sized model test and by the long-run script
 * (`node dist/bench/storage/model-long-run.js --ops N`).
 */
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import type { Collation, IndexKeyPart, Row, StorageTxn, Value } from '../../src/storage/api.js';
import { type BufferPool, MemoryFileIO, type PagedPartition, createBufferPool, openPartition } from '../../src/storage/index.js';
import { randInt, randomValue, rng, rowEq, show, valueEq } from './helpers.js';

const cls = (v: Value): number => (v === null ? 0 : typeof v === 'bigint' || typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3);

function cmpNum(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const flip = typeof a === 'number';
  const i = (flip ? b : a) as bigint;
  const x = (flip ? a : b) as number;
  let r: number;
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 64) {
    const bx = BigInt(x);
    r = i < bx ? -1 : i > bx ? 1 : 0;
  } else {
    const ni = Number(i);
    r = ni < x ? -1 : ni > x ? 1 : 0;
  }
  return flip ? -r : r;
}

export function collated(s: string, c: Collation): string {
  if (c === 'nocase') return s.replace(/[A-Z]/g, (m) => m.toLowerCase());
  if (c === 'rtrim') return s.replace(/ +$/, '');
  return s;
}

export function cmpValue(a: Value, b: Value, c: Collation): number {
  const d = cls(a) - cls(b);
  if (d !== 0) return d;
  if (a === null) return 0;
  if (cls(a) === 1) return cmpNum(a as bigint | number, b as bigint | number);
  if (typeof a === 'string') return Buffer.compare(Buffer.from(collated(a, c)), Buffer.from(collated(b as string, c)));
  return Buffer.compare(a as Uint8Array, b as Uint8Array);
}

export function cmpKey(parts: readonly IndexKeyPart[], a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpValue(a[i]!, b[i]!, parts[i]!.collation);
    if (c !== 0) return parts[i]!.desc ? -c : c;
  }
  return 0;
}

export interface ModelIndex {
  id: number;
  table: number;
  parts: IndexKeyPart[];
  unique: boolean;
  predicate?: (row: readonly Value[]) => boolean;
}

export class Model {
  tables = new Map<number, Map<bigint, Row>>();
  indexes = new Map<number, ModelIndex>();

  clone(): Model {
    const m = new Model();
    for (const [id, t] of this.tables) m.tables.set(id, new Map(t));
    for (const [id, i] of this.indexes) m.indexes.set(id, i);
    return m;
  }

  entries(ix: ModelIndex): { rowid: bigint; key: Value[] }[] {
    const out: { rowid: bigint; key: Value[] }[] = [];
    for (const [rowid, row] of this.tables.get(ix.table)!) {
      if (ix.predicate && !ix.predicate(row)) continue;
      out.push({ rowid, key: ix.parts.map((p) => row[p.column]!) });
    }
    out.sort((x, y) => cmpKey(ix.parts, x.key, y.key) || (x.rowid < y.rowid ? -1 : x.rowid > y.rowid ? 1 : 0));
    return out;
  }

  /** The rowid an insert/update of `row` at `rowid` would conflict with, if any. */
  uniqueConflict(table: number, rowid: bigint, row: Row): boolean {
    for (const ix of this.indexes.values()) {
      if (ix.table !== table || !ix.unique) continue;
      if (ix.predicate && !ix.predicate(row)) continue;
      const key = ix.parts.map((p) => row[p.column]!);
      if (key.some((v) => v === null)) continue;
      for (const [other, r] of this.tables.get(table)!) {
        if (other === rowid || (ix.predicate && !ix.predicate(r))) continue;
        if (cmpKey(ix.parts, key, ix.parts.map((p) => r[p.column]!)) === 0) return true;
      }
    }
    return false;
  }
}

const T1 = 1;
const T2 = 2;
const T1_KINDS = ['integer', 'real', 'text', 'blob', 'any'] as const;
const evenInt = (row: readonly Value[]): boolean => typeof row[0] === 'bigint' && row[0] % 2n === 0n;

export interface DriveOptions {
  seed: number;
  ops: number;
  pageSize?: number;
  poolBytes?: number;
  /** Log progress every n ops (0 = quiet). */
  progress?: number;
}

function expectCode(fn: () => unknown, code: string, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HeliosError, `${what}: expected HeliosError, got ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    return;
  }
  assert.fail(`${what}: expected ${code}`);
}

/** Runs a randomized workload against the engine and the model; throws on any difference. */
export function drive(o: DriveOptions): { ops: number; reopens: number; checks: number } {
  const r = rng(o.seed);
  const fsio = new MemoryFileIO();
  const pool: BufferPool = createBufferPool({ bytes: o.poolBytes ?? 48 * 1024, pageSize: o.pageSize ?? 1024 });
  const opts = { dir: '/model', walMode: 'sync' as const, fileIO: fsio, checkpointWalBytes: 256 * 1024 };
  let p: PagedPartition = openPartition(0, opts, pool);
  let committed = new Model();
  let model = new Model();
  const ixDefs: ModelIndex[] = [
    { id: 10, table: T1, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: false },
    { id: 11, table: T1, parts: [{ column: 2, desc: true, collation: 'nocase' }, { column: 1, desc: false, collation: 'binary' }], unique: false },
    { id: 12, table: T1, parts: [{ column: 4, desc: false, collation: 'rtrim' }], unique: true },
    { id: 13, table: T1, parts: [{ column: 1, desc: true, collation: 'binary' }], unique: false, predicate: evenInt },
    { id: 20, table: T2, parts: [{ column: 0, desc: false, collation: 'binary' }, { column: 1, desc: true, collation: 'binary' }], unique: true },
  ];
  {
    const t = p.begin();
    t.createTable({ id: T1, columns: [...T1_KINDS] });
    t.createTable({ id: T2, columns: ['any', 'integer'] });
    model.tables.set(T1, new Map());
    model.tables.set(T2, new Map());
    for (const d of ixDefs) {
      t.createIndex(d.predicate ? { ...d } : { id: d.id, table: d.table, parts: d.parts, unique: d.unique });
      model.indexes.set(d.id, d);
    }
    t.commit();
    p.sync();
    committed = model.clone();
  }
  let txn: StorageTxn = p.begin();
  let reopens = 0;
  let checks = 0;
  const smallValue = (col: number): Value => {
    // column 4 (unique) draws from a small domain so conflicts happen
    if (col === 4) {
      const k = randInt(r, 6);
      return k === 0 ? null : k < 3 ? BigInt(randInt(r, 300)) : k < 5 ? `u${randInt(r, 300)}${r() < 0.3 ? '  ' : ''}` : randInt(r, 300) + 0.5;
    }
    // big values everywhere (overflow cells, spilled index entries), mostly in unindexed column 3
    return randomValue(r, col === 3 ? 0.08 : 0.01);
  };
  const rowFor = (table: number): Row =>
    table === T1 ? T1_KINDS.map((_k, c) => smallValue(c)) : [r() < 0.1 ? null : BigInt(randInt(r, 50)), r() < 0.5 ? BigInt(randInt(r, 50)) : randomValue(r, 0)];
  const rowidFor = (table: number): bigint => (table === T1 ? BigInt(randInt(r, 600) - 100) : BigInt(randInt(r, 200)));
  const verifyAll = (): void => {
    for (const [tid, rows] of model.tables) {
      assert.equal(txn.rowCount(tid), rows.size, `rowCount(${tid})`);
      const got: [bigint, Row][] = [];
      const c = txn.scan(tid);
      for (let b = c.nextBatch(); b; b = c.nextBatch()) {
        for (let i = 0; i < b.length; i++) {
          const row: Value[] = [];
          for (let k = 0; k < (tid === T1 ? 5 : 2); k++) row.push(b.value(i, k));
          got.push([b.rowid(i), row]);
        }
      }
      c.close();
      const want = [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      assert.equal(got.length, want.length, `scan length of table ${tid}`);
      for (let i = 0; i < want.length; i++) {
        assert.equal(got[i]![0], want[i]![0]);
        assert.ok(rowEq(got[i]![1], want[i]![1]), `row ${want[i]![0]}: ${show(got[i]![1])} vs ${show(want[i]![1])}`);
      }
    }
    for (const ix of model.indexes.values()) {
      const want = model.entries(ix).map((e) => e.rowid);
      const got: bigint[] = [];
      const c = txn.indexScan(ix.id);
      for (let es = c.next(97); es.length; es = c.next(97)) for (const e of es) got.push(e.rowid);
      c.close();
      assert.deepEqual(got, want, `full scan of index ${ix.id}`);
    }
  };

  for (let step = 0; step < o.ops; step++) {
    if (o.progress && step % o.progress === 0 && step > 0) console.log(`# ${step} ops, ${p.stats().pages} pages`);
    const table = r() < 0.8 ? T1 : T2;
    const rows = model.tables.get(table)!;
    const dice = r();
    if (dice < 0.3) {
      const rowid = rowidFor(table);
      const row = rowFor(table);
      if (rows.has(rowid)) expectCode(() => txn.insert(table, rowid, row), 'CONSTRAINT', `insert dup ${rowid}`);
      else if (model.uniqueConflict(table, rowid, row)) expectCode(() => txn.insert(table, rowid, row), 'CONSTRAINT', `insert unique ${rowid} ${show(row)}`);
      else {
        txn.insert(table, rowid, row);
        rows.set(rowid, row);
      }
    } else if (dice < 0.45) {
      const rowid = rowidFor(table);
      const row = rowFor(table);
      if (!rows.has(rowid)) expectCode(() => txn.update(table, rowid, row), 'INTERNAL', `update absent ${rowid}`);
      else if (model.uniqueConflict(table, rowid, row)) expectCode(() => txn.update(table, rowid, row), 'CONSTRAINT', `update unique ${rowid}`);
      else {
        txn.update(table, rowid, row);
        rows.set(rowid, row);
      }
    } else if (dice < 0.6) {
      const rowid = rowidFor(table);
      assert.equal(txn.delete(table, rowid), rows.delete(rowid), `delete ${rowid}`);
    } else if (dice < 0.7) {
      const rowid = rowidFor(table);
      assert.ok(rowEq(txn.get(table, rowid), rows.get(rowid)), `get ${rowid}`);
      // readInto: a column subset picked from the rowid (no draw, so seeds replay as before)
      const want = rows.get(rowid);
      const width = table === T1 ? T1_KINDS.length : 2;
      const cols = [...Array(width).keys()].filter((c) => (Number(rowid & 3n) >> (c % 2)) & 1);
      const out: Value[] = new Array(width + 2).fill('untouched');
      assert.equal(txn.readInto(table, rowid, cols, out, 2), want !== undefined, `readInto ${rowid} found`);
      for (let c = 0; c < width; c++) {
        const expect = want !== undefined && cols.includes(c) ? want[c]! : 'untouched';
        assert.ok(rowEq([out[2 + c]!], [expect]), `readInto ${rowid} column ${c}`);
      }
    } else if (dice < 0.78) {
      // rowid range scan
      const a = rowidFor(table);
      const b = rowidFor(table);
      const lo = r() < 0.8 ? { rowid: a < b ? a : b, inclusive: r() < 0.5 } : undefined;
      const hi = r() < 0.8 ? { rowid: a < b ? b : a, inclusive: r() < 0.5 } : undefined;
      const reverse = r() < 0.4;
      let want = [...rows.keys()].filter((k) => (!lo || k > lo.rowid || (lo.inclusive && k === lo.rowid)) && (!hi || k < hi.rowid || (hi.inclusive && k === hi.rowid)));
      want.sort((x, y) => (x < y ? -1 : 1));
      if (reverse) want = want.reverse();
      const got: bigint[] = [];
      const c = txn.scan(table, { ...(lo ? { lo } : {}), ...(hi ? { hi } : {}), reverse });
      for (let bt = c.nextBatch(); bt; bt = c.nextBatch()) {
        assert.ok(bt.length > 0, 'batches are never empty');
        for (let i = 0; i < bt.length; i++) {
          got.push(bt.rowid(i));
          if (r() < 0.05) assert.ok(rowEq([bt.value(i, 0)], [rows.get(bt.rowid(i))![0]!]));
        }
        for (let k = 0; k < (table === T1 ? 2 : 0); k++) {
          const v = bt.fixedColumn(k);
          if (!v) continue;
          const i = randInt(r, bt.length);
          const isNull = (pool.bytes[v.nullBitmapOffset + (i >> 3)]! >> (i & 7)) & 1;
          const mv: Value = rows.get(bt.rowid(i))![k]!;
          if (isNull) assert.equal(mv, null);
          else if (v.kind === 'i64') assert.equal(pool.i64[v.byteOffset / 8 + i], mv);
          else assert.ok(Object.is(pool.f64[v.byteOffset / 8 + i], mv));
        }
      }
      c.close();
      assert.deepEqual(got, want, `scan ${show({ lo, hi, reverse })}`);
    } else if (dice < 0.86) {
      const ixs = [...model.indexes.values()].filter((x) => x.table === table);
      const ix = ixs[randInt(r, ixs.length)]!;
      const ents = model.entries(ix);
      const pick = (): Value[] => {
        const src = ents.length && r() < 0.7 ? ents[randInt(r, ents.length)]!.key : ix.parts.map((pt) => rowFor(table)[pt.column]!);
        return src.slice(0, 1 + randInt(r, ix.parts.length));
      };
      const lo = r() < 0.7 ? { values: pick(), inclusive: r() < 0.5 } : undefined;
      const hi = r() < 0.7 ? { values: pick(), inclusive: r() < 0.5 } : undefined;
      const reverse = r() < 0.4;
      let want = ents.filter((e) => {
        if (lo) {
          const c = cmpKey(ix.parts, e.key, lo.values);
          if (c < 0 || (c === 0 && !lo.inclusive)) return false;
        }
        if (hi) {
          const c = cmpKey(ix.parts, e.key, hi.values);
          if (c > 0 || (c === 0 && !hi.inclusive)) return false;
        }
        return true;
      });
      if (reverse) want = want.reverse();
      const got: { rowid: bigint; key: readonly Value[] }[] = [];
      const c = txn.indexScan(ix.id, { ...(lo ? { lo } : {}), ...(hi ? { hi } : {}), reverse });
      for (let es = c.next(1 + randInt(r, 40)); es.length; es = c.next(1 + randInt(r, 40))) got.push(...es);
      c.close();
      assert.deepEqual(got.map((g) => g.rowid), want.map((w) => w.rowid), `index ${ix.id} scan ${show({ lo, hi, reverse })}`);
      for (let i = 0; i < got.length; i++) {
        const stored = got[i]!.key;
        const orig = want[i]!.key;
        for (let k = 0; k < orig.length; k++) {
          const ov = orig[k]!;
          const exp = typeof ov === 'string' ? collated(ov, ix.parts[k]!.collation) : ov;
          assert.ok(valueEq(stored[k]!, exp), `index ${ix.id} key ${show(stored)} vs ${show(orig)}`);
        }
      }
      if (ix.parts.length === 1 && ents.length) {
        const key = ents[randInt(r, ents.length)]!.key;
        const exp = ents.filter((e) => cmpKey(ix.parts, e.key, key) === 0).map((e) => e.rowid);
        assert.deepEqual(txn.indexLookup(ix.id, key), exp, 'indexLookup');
      }
    } else if (dice < 0.88) {
      assert.equal(txn.maxRowid(table), rows.size ? [...rows.keys()].reduce((a, b) => (a > b ? a : b)) : null);
    } else if (dice < 0.93) {
      txn.commit();
      if (r() < 0.5) p.sync();
      committed = model.clone();
      txn = p.begin();
    } else if (dice < 0.95) {
      txn.abort();
      model = committed.clone();
      txn = p.begin();
    } else if (dice < 0.953) {
      if (r() < 0.5) {
        txn.commit();
        committed = model.clone();
        p.checkpoint();
        txn = p.begin();
      } else p.checkpoint(); // with the transaction's writes still uncommitted
    } else if (dice < 0.956) {
      verifyAll();
      txn.commit();
      committed = model.clone();
      p.check();
      checks++;
      txn = p.begin();
    } else if (dice < 0.9575) {
      // reopen: uncommitted work is lost (aborted by close), committed work survives
      txn.abort();
      model = committed.clone();
      if (r() < 0.5) p.close();
      else {
        p.sync();
        p.closeFiles();
      }
      p = openPartition(0, opts, pool);
      p.bindIndexPredicate(13, evenInt);
      reopens++;
      txn = p.begin();
      verifyAll();
    } else if (dice < 0.958) {
      txn.commit();
      committed = model.clone();
      p.vacuum();
      p.check();
      txn = p.begin();
    }
  }
  verifyAll();
  txn.commit();
  p.check();
  p.close();
  return { ops: o.ops, reopens, checks };
}
