/**
 * The in-memory storage engine: a sorted array of rowids plus a Map of rows per table, a sorted
 * array of (key, rowid) entries per index. Obviously correct rather than fast — it is the model
 * the paged engine is tested against, and the SQL layer's unit-test backend.
 *
 * Transactions keep an undo log of their writes; abort replays it backwards. As the interface
 * says, open transactions are not isolated from each other (the shard's lock manager does that).
 * Durability: none (sync/checkpoint are no-ops; an LSN counter still advances per commit).
 */
import type {
  IndexCursor, IndexDef, IndexEntry, IndexRange, Partition, PartitionStats, Row, Rowid, RowidRange, StorageTxn,
  TableCursor, TableDef, Value,
} from '../api.js';
import { HeliosError, constraintError } from '../../errors.js';
import { compareKeys } from './key-order.js';
import { MemoryRowBatch } from './memory-batch.js';

/** `version` counts structural changes, so open cursors can re-find their place after a write. */
interface MemTable { def: TableDef; rowids: Rowid[]; /** Rows in rowid order, parallel to `rowids` (scans). */ ordered: Row[]; rows: Map<Rowid, Row>; version: number }
interface MemIndex { def: IndexDef; entries: IndexEntry[]; version: number }

type Undo = () => void;

const BATCH = 256;

function lowerBound<T>(arr: readonly T[], cmp: (x: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(arr[mid]!) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class MemoryPartition implements Partition {
  readonly tables = new Map<number, MemTable>();
  readonly indexes = new Map<number, MemIndex>();
  private nextTxn = 1n;
  private lsn = 0n;
  private closed = false;

  constructor(readonly id: number) {}

  begin(): StorageTxn {
    if (this.closed) throw new HeliosError('INTERNAL', 'partition is closed');
    return new MemoryTxn(this, this.nextTxn++);
  }
  preparedTransactions(): Map<string, StorageTxn> { return new Map(); }
  sync(): bigint { return this.lsn; }
  nextLsn(): bigint { return ++this.lsn; }
  checkpoint(): void {}
  vacuum(): void {}
  check(): void {
    for (const t of this.tables.values()) {
      for (let i = 1; i < t.rowids.length; i++) if (t.rowids[i - 1]! >= t.rowids[i]!) throw new HeliosError('INTERNAL', `table ${t.def.id}: rowids out of order`);
      if (t.rowids.length !== t.rows.size || t.ordered.length !== t.rows.size) throw new HeliosError('INTERNAL', `table ${t.def.id}: row count mismatch`);
      t.rowids.forEach((id, i) => { if (t.rows.get(id) !== t.ordered[i]) throw new HeliosError('INTERNAL', `table ${t.def.id}: scan order out of step at rowid ${id}`); });
    }
    for (const ix of this.indexes.values()) {
      const t = this.tables.get(ix.def.table)!;
      const expected = [...t.rows.values()].filter((r) => !ix.def.predicate || ix.def.predicate(r)).length;
      if (expected !== ix.entries.length) throw new HeliosError('INTERNAL', `index ${ix.def.id}: ${ix.entries.length} entries for ${expected} rows`);
      for (let i = 1; i < ix.entries.length; i++) {
        const a = ix.entries[i - 1]!;
        const b = ix.entries[i]!;
        const c = compareKeys(ix.def.parts, a.key, b.key);
        if (c > 0 || (c === 0 && a.rowid >= b.rowid)) throw new HeliosError('INTERNAL', `index ${ix.def.id}: entries out of order`);
      }
    }
  }
  stats(): PartitionStats { return { pages: 0, freePages: 0, walBytes: 0, cacheHits: 0, cacheMisses: 0 }; }
  close(): void { this.closed = true; }
}

function entryCmp(def: IndexDef, key: readonly Value[], rowid: Rowid | null): (e: IndexEntry) => number {
  return (e) => {
    const c = compareKeys(def.parts, e.key, key);
    if (c !== 0 || rowid === null) return c;
    return e.rowid < rowid ? -1 : e.rowid > rowid ? 1 : 0;
  };
}

class MemoryTxn implements StorageTxn {
  private undo: Undo[] = [];
  private done = false;

  constructor(private readonly p: MemoryPartition, readonly id: bigint) {}

  private live(): void { if (this.done) throw new HeliosError('INTERNAL', 'transaction already finished'); }
  private table(id: number): MemTable {
    const t = this.p.tables.get(id);
    if (!t) throw new HeliosError('INTERNAL', `no table ${id}`);
    return t;
  }
  private index(id: number): MemIndex {
    const ix = this.p.indexes.get(id);
    if (!ix) throw new HeliosError('INTERNAL', `no index ${id}`);
    return ix;
  }
  private indexesOf(table: number): MemIndex[] {
    const out: MemIndex[] = [];
    for (const ix of this.p.indexes.values()) if (ix.def.table === table) out.push(ix);
    return out;
  }
  private keyOf(ix: MemIndex, row: readonly Value[]): Value[] | null {
    if (ix.def.predicate && !ix.def.predicate(row)) return null;
    return ix.def.parts.map((p) => row[p.column] ?? null);
  }
  private uniqueConflict(ix: MemIndex, key: Value[], rowid: Rowid): boolean {
    if (!ix.def.unique || key.some((v) => v === null)) return false;
    const i = lowerBound(ix.entries, entryCmp(ix.def, key, null));
    for (let j = i; j < ix.entries.length && compareKeys(ix.def.parts, ix.entries[j]!.key, key) === 0; j++) {
      if (ix.entries[j]!.rowid !== rowid) return true;
    }
    return false;
  }
  private addEntry(ix: MemIndex, key: Value[], rowid: Rowid): void {
    ix.version++;
    const i = lowerBound(ix.entries, entryCmp(ix.def, key, rowid));
    ix.entries.splice(i, 0, { rowid, key });
  }
  private removeEntry(ix: MemIndex, key: Value[], rowid: Rowid): void {
    ix.version++;
    const i = lowerBound(ix.entries, entryCmp(ix.def, key, rowid));
    const e = ix.entries[i];
    if (!e || e.rowid !== rowid) throw new HeliosError('INTERNAL', `index ${ix.def.id} lacks entry for rowid ${rowid}`);
    ix.entries.splice(i, 1);
  }

  createTable(def: TableDef): void {
    this.live();
    if (this.p.tables.has(def.id)) throw new HeliosError('INTERNAL', `table ${def.id} exists`);
    this.p.tables.set(def.id, { def, rowids: [], ordered: [], rows: new Map(), version: 0 });
    this.undo.push(() => { this.p.tables.delete(def.id); });
  }
  dropTable(table: number): void {
    this.live();
    const t = this.table(table);
    const ixs = this.indexesOf(table);
    for (const ix of ixs) this.p.indexes.delete(ix.def.id);
    this.p.tables.delete(table);
    this.undo.push(() => { this.p.tables.set(table, t); for (const ix of ixs) this.p.indexes.set(ix.def.id, ix); });
  }
  createIndex(def: IndexDef): void {
    this.live();
    if (this.p.indexes.has(def.id)) throw new HeliosError('INTERNAL', `index ${def.id} exists`);
    const t = this.table(def.table);
    const ix: MemIndex = { def, entries: [], version: 0 };
    for (const rowid of t.rowids) {
      const key = this.keyOf(ix, t.rows.get(rowid)!);
      if (!key) continue;
      if (this.uniqueConflict(ix, key, rowid)) throw constraintError('unique', `UNIQUE constraint failed: index ${def.id}`);
      this.addEntry(ix, key, rowid);
    }
    this.p.indexes.set(def.id, ix);
    this.undo.push(() => { this.p.indexes.delete(def.id); });
  }
  dropIndex(index: number): void {
    this.live();
    const ix = this.index(index);
    this.p.indexes.delete(index);
    this.undo.push(() => { this.p.indexes.set(index, ix); });
  }

  get(table: number, rowid: Rowid): Row | undefined {
    const r = this.table(table).rows.get(rowid);
    return r ? r.slice() : undefined;
  }
  readInto(table: number, rowid: Rowid, columns: readonly number[], out: Value[], offset: number): boolean {
    const r = this.table(table).rows.get(rowid);
    if (!r) return false;
    for (const c of columns) out[offset + c] = r[c] ?? null;
    return true;
  }

  insert(table: number, rowid: Rowid, row: readonly Value[]): void {
    this.live();
    const t = this.table(table);
    if (t.rows.has(rowid)) throw constraintError('primary_key', `PRIMARY KEY constraint failed: rowid ${rowid}`);
    const ixs = this.indexesOf(table);
    const keys = ixs.map((ix) => this.keyOf(ix, row));
    ixs.forEach((ix, i) => { const k = keys[i]; if (k && this.uniqueConflict(ix, k, rowid)) throw constraintError('unique', `UNIQUE constraint failed: index ${ix.def.id}`); });
    const stored = row.slice();
    t.version++;
    const at = lowerBound(t.rowids, (x) => (x < rowid ? -1 : x > rowid ? 1 : 0));
    t.rowids.splice(at, 0, rowid);
    t.ordered.splice(at, 0, stored);
    t.rows.set(rowid, stored);
    ixs.forEach((ix, i) => { const k = keys[i]; if (k) this.addEntry(ix, k, rowid); });
    this.undo.push(() => this.rawDelete(t, ixs, rowid, stored));
  }

  loadRows(table: number, rows: readonly (readonly Value[])[]): void {
    this.live();
    const t = this.table(table);
    if (t.rowids.length > 0) {
      for (const r of rows) this.insert(table, r[0] as Rowid, r.slice(1));
      return;
    }
    const sorted = rows.map((r) => ({ rowid: r[0] as Rowid, row: r.slice(1) as Row }));
    sorted.sort((a, b) => (a.rowid < b.rowid ? -1 : a.rowid > b.rowid ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.rowid === sorted[i - 1]!.rowid) throw constraintError('primary_key', `PRIMARY KEY constraint failed: rowid ${sorted[i]!.rowid}`);
    }
    // Every index's entries are built and checked before anything changes: no partial effect.
    const ixs = this.indexesOf(table);
    const built = ixs.map((ix) => {
      const entries: IndexEntry[] = [];
      for (const { rowid, row } of sorted) { const k = this.keyOf(ix, row); if (k) entries.push({ rowid, key: k }); }
      entries.sort((a, b) => compareKeys(ix.def.parts, a.key, b.key) || (a.rowid < b.rowid ? -1 : a.rowid > b.rowid ? 1 : 0));
      if (ix.def.unique) {
        for (let i = 1; i < entries.length; i++) {
          const k = entries[i]!.key;
          if (!k.some((v) => v === null) && compareKeys(ix.def.parts, entries[i - 1]!.key, k) === 0) throw constraintError('unique', `UNIQUE constraint failed: index ${ix.def.id}`);
        }
      }
      return entries;
    });
    if (ixs.some((ix) => ix.entries.length > 0)) throw new HeliosError('INTERNAL', `index of empty table ${table} has entries`);
    t.version++;
    t.rowids = sorted.map((x) => x.rowid);
    t.ordered = sorted.map((x) => x.row);
    t.rows = new Map(sorted.map((x) => [x.rowid, x.row]));
    ixs.forEach((ix, i) => { ix.version++; ix.entries = built[i]!; });
    this.undo.push(() => {
      t.version++;
      t.rowids = [];
      t.ordered = [];
      t.rows = new Map();
      for (const ix of ixs) { ix.version++; ix.entries = []; }
    });
  }

  private rawDelete(t: MemTable, ixs: MemIndex[], rowid: Rowid, row: Row): void {
    t.version++;
    const i = lowerBound(t.rowids, (x) => (x < rowid ? -1 : x > rowid ? 1 : 0));
    t.rowids.splice(i, 1);
    t.ordered.splice(i, 1);
    t.rows.delete(rowid);
    for (const ix of ixs) { const k = this.keyOf(ix, row); if (k) this.removeEntry(ix, k, rowid); }
  }
  private rawInsert(t: MemTable, ixs: MemIndex[], rowid: Rowid, row: Row): void {
    t.version++;
    const at = lowerBound(t.rowids, (x) => (x < rowid ? -1 : x > rowid ? 1 : 0));
    t.rowids.splice(at, 0, rowid);
    t.ordered.splice(at, 0, row);
    t.rows.set(rowid, row);
    for (const ix of ixs) { const k = this.keyOf(ix, row); if (k) this.addEntry(ix, k, rowid); }
  }

  update(table: number, rowid: Rowid, row: readonly Value[]): void {
    this.live();
    const t = this.table(table);
    const old = t.rows.get(rowid);
    if (!old) throw new HeliosError('INTERNAL', `update of missing rowid ${rowid}`);
    const ixs = this.indexesOf(table);
    for (const ix of ixs) { const k = this.keyOf(ix, row); if (k && this.uniqueConflict(ix, k, rowid)) throw constraintError('unique', `UNIQUE constraint failed: index ${ix.def.id}`); }
    const stored = row.slice();
    this.rawDelete(t, ixs, rowid, old);
    this.rawInsert(t, ixs, rowid, stored);
    this.undo.push(() => { this.rawDelete(t, ixs, rowid, stored); this.rawInsert(t, ixs, rowid, old); });
  }

  delete(table: number, rowid: Rowid): boolean {
    this.live();
    const t = this.table(table);
    const old = t.rows.get(rowid);
    if (!old) return false;
    const ixs = this.indexesOf(table);
    this.rawDelete(t, ixs, rowid, old);
    this.undo.push(() => this.rawInsert(t, ixs, rowid, old));
    return true;
  }

  maxRowid(table: number): Rowid | null {
    const t = this.table(table);
    return t.rowids.length ? t.rowids[t.rowids.length - 1]! : null;
  }
  rowCount(table: number): number { return this.table(table).rowids.length; }

  scan(table: number, range?: RowidRange): TableCursor {
    const t = this.table(table);
    const cmpId = (a: Rowid, b: Rowid): number => (a < b ? -1 : a > b ? 1 : 0);
    // Bounds as positions in t.rowids; recomputed after a write (the cursor continues after the
    // last rowid it returned).
    const bounds = (): [number, number] => {
      const ids = t.rowids;
      let lo = 0;
      let hi = ids.length;
      if (range?.lo) { const r = range.lo; lo = lowerBound(ids, (x) => (x < r.rowid || (!r.inclusive && x === r.rowid) ? -1 : 1)); }
      if (range?.hi) { const r = range.hi; hi = lowerBound(ids, (x) => (x < r.rowid || (r.inclusive && x === r.rowid) ? -1 : 1)); }
      return [lo, Math.max(lo, hi)];
    };
    const reverse = range?.reverse === true;
    let [lo, hi] = bounds();
    let version = t.version;
    let last: Rowid | null = null;
    let done = false;
    return {
      nextBatch: () => {
        if (done) return null;
        if (version !== t.version) {
          [lo, hi] = bounds();
          version = t.version;
          if (last !== null) {
            const at = lowerBound(t.rowids, (x) => cmpId(x, last!));
            if (reverse) hi = Math.min(hi, at); else lo = Math.max(lo, at + (t.rowids[at] === last ? 1 : 0));
          }
        }
        if (lo >= hi) { done = true; return null; }
        let part: Rowid[];
        let rows: Row[];
        if (reverse) { const from = Math.max(lo, hi - BATCH); part = t.rowids.slice(from, hi).reverse(); rows = t.ordered.slice(from, hi).reverse(); hi = from; }
        else { const to = Math.min(hi, lo + BATCH); part = t.rowids.slice(lo, to); rows = t.ordered.slice(lo, to); lo = to; }
        last = part[part.length - 1]!;
        return new MemoryRowBatch(part, rows);
      },
      close: () => { done = true; },
    };
  }

  indexScan(index: number, range?: IndexRange): IndexCursor {
    const ix = this.index(index);
    const parts = ix.def.parts;
    const bounds = (): [number, number] => {
      const es = ix.entries;
      let lo = 0;
      let hi = es.length;
      if (range?.lo) { const b = range.lo; lo = lowerBound(es, (e) => { const c = compareKeys(parts, e.key, b.values); return c < 0 || (c === 0 && !b.inclusive) ? -1 : 1; }); }
      if (range?.hi) { const b = range.hi; hi = lowerBound(es, (e) => { const c = compareKeys(parts, e.key, b.values); return c < 0 || (c === 0 && b.inclusive) ? -1 : 1; }); }
      return [lo, Math.max(lo, hi)];
    };
    const reverse = range?.reverse === true;
    let [lo, hi] = bounds();
    let version = ix.version;
    let last: IndexEntry | null = null;
    let done = false;
    return {
      next: (max) => {
        if (done) return [];
        if (version !== ix.version) {
          [lo, hi] = bounds();
          version = ix.version;
          if (last !== null) {
            const at = lowerBound(ix.entries, entryCmp(ix.def, last.key, last.rowid));
            const found = ix.entries[at]?.rowid === last.rowid;
            if (reverse) hi = Math.min(hi, at); else lo = Math.max(lo, at + (found ? 1 : 0));
          }
        }
        if (lo >= hi) { done = true; return []; }
        let out: IndexEntry[];
        if (reverse) { const from = Math.max(lo, hi - max); out = ix.entries.slice(from, hi).reverse(); hi = from; }
        else { const to = Math.min(hi, lo + max); out = ix.entries.slice(lo, to); lo = to; }
        last = out[out.length - 1] ?? null;
        return out;
      },
      close: () => { done = true; },
    };
  }

  indexLookup(index: number, values: readonly Value[]): Rowid[] {
    const ix = this.index(index);
    const i = lowerBound(ix.entries, entryCmp(ix.def, values, null));
    const out: Rowid[] = [];
    for (let j = i; j < ix.entries.length && compareKeys(ix.def.parts, ix.entries[j]!.key, values) === 0; j++) out.push(ix.entries[j]!.rowid);
    return out;
  }

  prepare(_gid: string): void { this.live(); }
  commit(): bigint { this.live(); this.done = true; this.undo = []; return this.p.nextLsn(); }
  abort(): void {
    if (this.done) return;
    this.done = true;
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo = [];
  }
}
