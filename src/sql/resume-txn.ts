/**
 * A read-only view of a storage transaction that lets a query stop after any row and continue
 * after it later, in a new transaction — the way SQLite saves a cursor's position as its key and
 * seeks back to it (`saveCursorPosition`/`restoreCursorPosition`), rather than holding a B-tree
 * cursor (and the buffer-pool pages its batch points into) across the shard's other work.
 *
 * It serves queries whose rows come from ONE table scan or ONE index scan (AccessPath.resumable):
 *
 *   rowid scan:  position = rowid of the last row handed to the query
 *                resume   = the same scan with lo (hi when reversed) = {rowid, exclusive}
 *   index scan:  position = (stored key, rowid) of the last entry used
 *                resume   = lo (hi when reversed) = {key, inclusive}, then skip the entries with
 *                           that key up to the rowid (equal keys are in rowid order: api.ts)
 *
 * IMPORTANT: the result equals one uninterrupted scan only when nothing writes the table between
 * two runs — the caller (the coordinator's ReadHold) guarantees that. Cost: one B-tree seek per
 * run; for an index with many entries sharing the position's key, re-skipping those entries.
 */
import { HeliosError } from '../errors.js';
import type { IndexCursor, IndexEntry, IndexRange, RowBatch, Rowid, RowidRange, StorageTxn, TableCursor, Value } from '../storage/api.js';
import { valueKey } from './value.js';

export type ScanPosition =
  | { readonly kind: 'rowid'; readonly table: number; readonly rowid: Rowid; readonly reverse: boolean }
  | { readonly kind: 'index'; readonly index: number; readonly key: readonly Value[]; readonly rowid: Rowid; readonly reverse: boolean };

function sameKey(a: readonly Value[], b: readonly Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (valueKey(a[i]!) !== valueKey(b[i]!)) return false;
  return true;
}

const readOnly = (): never => {
  throw new HeliosError('INTERNAL', 'a query cursor cannot write');
};

export class ResumeTxn implements StorageTxn {
  /** Entries an index scan handed out in this run, by rowid (the last row's key is among them). */
  private readonly delivered = new Map<Rowid, IndexEntry>();
  private lastEntry: IndexEntry | null = null;
  /** Rowid of the last row handed to the query (a batch row read, or a fetch by rowid). */
  private lastRowid: Rowid | null = null;
  private scanned: { kind: 'rowid'; table: number; reverse: boolean } | { kind: 'index'; index: number; reverse: boolean } | null = null;
  /** Set when an index scan stopped at its entry budget rather than at the end of its range. */
  truncated = false;

  /**
   * @param from where the previous run stopped (null: from the start)
   * @param indexBudget entries an index scan may hand out per run: the query collects an
   *   unordered index range's rowids before fetching them, so this bounds a run's memory
   */
  constructor(private readonly inner: StorageTxn, private readonly from: ScanPosition | null, private readonly indexBudget: number) {}

  get id(): bigint {
    return this.inner.id;
  }

  scan(table: number, range: RowidRange = {}): TableCursor {
    const from = this.from;
    let r = range;
    if (from?.kind === 'rowid' && from.table === table) r = from.reverse ? { ...range, hi: { rowid: from.rowid, inclusive: false } } : { ...range, lo: { rowid: from.rowid, inclusive: false } };
    this.scanned ??= { kind: 'rowid', table, reverse: range.reverse === true };
    const cur = this.inner.scan(table, r);
    return {
      nextBatch: () => {
        const b = cur.nextBatch();
        return b === null ? null : this.track(b);
      },
      close: () => cur.close(),
    };
  }

  private track(b: RowBatch): RowBatch {
    const wrapped: RowBatch = {
      length: b.length,
      rowid: (i) => (this.lastRowid = b.rowid(i)),
      value: (i, c) => b.value(i, c),
      fixedColumn: (c) => b.fixedColumn(c),
    };
    if (b.dictionary) (wrapped as { dictionary?: RowBatch['dictionary'] }).dictionary = (c, codes) => b.dictionary!(c, codes);
    return wrapped;
  }

  indexScan(index: number, range: IndexRange = {}): IndexCursor {
    const from = this.from?.kind === 'index' && this.from.index === index ? this.from : null;
    let r = range;
    if (from) r = from.reverse ? { ...range, hi: { values: from.key, inclusive: true } } : { ...range, lo: { values: from.key, inclusive: true } };
    this.scanned ??= { kind: 'index', index, reverse: range.reverse === true };
    const cur = this.inner.indexScan(index, r);
    let skipping = from !== null;
    return {
      next: (max) => {
        for (;;) {
          const left = this.indexBudget - this.delivered.size;
          if (left <= 0) {
            this.truncated = true;
            return [];
          }
          let es = cur.next(Math.min(max, left));
          if (es.length === 0) return es;
          if (skipping) {
            let k = 0;
            while (k < es.length && sameKey(es[k]!.key, from!.key) && (from!.reverse ? es[k]!.rowid >= from!.rowid : es[k]!.rowid <= from!.rowid)) k++;
            if (k < es.length) skipping = false;
            es = es.slice(k);
            if (es.length === 0) continue;
          }
          for (const e of es) this.delivered.set(e.rowid, e);
          this.lastEntry = es[es.length - 1]!;
          return es;
        }
      },
      close: () => cur.close(),
    };
  }

  readInto(table: number, rowid: Rowid, columns: readonly number[], out: Value[], offset: number): boolean {
    this.lastRowid = rowid;
    return this.inner.readInto(table, rowid, columns, out, offset);
  }

  /**
   * Where the next run starts. `stoppedAtRow`: the query stopped because it had its rows, so
   * the next run starts after the last row it read; otherwise (an index scan cut at its budget)
   * after the last entry scanned. Null when this run scanned nothing.
   */
  positionAfter(stoppedAtRow: boolean): ScanPosition | null {
    const s = this.scanned;
    if (s === null) return null;
    if (s.kind === 'rowid') return this.lastRowid === null ? this.from : { kind: 'rowid', table: s.table, rowid: this.lastRowid, reverse: s.reverse };
    const e = stoppedAtRow && this.lastRowid !== null ? this.delivered.get(this.lastRowid) : this.lastEntry;
    if (!e) return this.from;
    return { kind: 'index', index: s.index, key: e.key, rowid: e.rowid, reverse: s.reverse };
  }

  get(table: number, rowid: Rowid): Value[] | undefined {
    return this.inner.get(table, rowid);
  }
  maxRowid(table: number): Rowid | null {
    return this.inner.maxRowid(table);
  }
  rowCount(table: number): number {
    return this.inner.rowCount(table);
  }
  indexLookup(index: number, values: readonly Value[]): Rowid[] {
    return this.inner.indexLookup(index, values);
  }
  commit(): bigint {
    return this.inner.commit();
  }
  abort(): void {
    this.inner.abort();
  }
  createTable = readOnly;
  dropTable = readOnly;
  createIndex = readOnly;
  dropIndex = readOnly;
  insert = readOnly;
  update = readOnly;
  delete = readOnly;
  prepare = readOnly;
}
