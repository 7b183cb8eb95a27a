/**
 * A table: a B+tree keyed by rowid whose leaves are PAX pages ({@link PaxLeafFormat}). Values
 * over a quarter page go to overflow chains. This is the row-level API the transaction layer uses;
 * it enforces nothing but rowid uniqueness (indexes and undo are the caller's).
 */
import { HeliosError } from '../../errors.js';
import type { ColumnKind, Row, Value } from '../api.js';
import { PageType } from '../pager/page-format.js';
import { BTree, type LeafAdapter, type PageStore, type PathStep } from './btree.js';
import { OVERFLOW_BIT, TAG_INT, TAG_REAL, checkValue, decodeCell, encodeCell } from './cell-codec.js';
import { freeOverflow, readOverflow, writeOverflow } from './overflow.js';
import { type Cell, type LeafRow, PaxLeafFormat, type PaxLayout } from './pax-leaf.js';

/** 8-byte order-preserving form of a rowid (big-endian, sign bit flipped). */
export function rowidKey(rowid: bigint): Uint8Array {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setBigInt64(0, rowid, false);
  k[0] ^= 0x80;
  return k;
}

const probe = new Uint8Array(8);
const probeDv = new DataView(probe.buffer);
/**
 * IMPORTANT: a shared buffer, valid only until the next call — for descents, which never keep
 * the key (separators stored in pages always come from {@link rowidKey}).
 */
export function rowidProbe(rowid: bigint): Uint8Array {
  probeDv.setBigInt64(0, rowid, false);
  probe[0] ^= 0x80;
  return probe;
}

export class TableTree {
  readonly fmt: PaxLeafFormat;
  readonly tree: BTree<LeafRow>;
  private readonly maxInline: number;
  /** Bumped by every write, so open cursors know to re-seek. */
  version = 0;

  constructor(readonly store: PageStore, readonly kinds: readonly ColumnKind[], root: number) {
    const pool = store.pool;
    const fmt = new PaxLeafFormat(kinds, pool);
    this.fmt = fmt;
    this.maxInline = pool.pageSize >> 2;
    const adapter: LeafAdapter<LeafRow> = {
      leafType: PageType.TABLE_LEAF,
      interiorType: PageType.TABLE_INTERIOR,
      init: (o) => fmt.init(o, pool.pageSize, 0),
      count: (o) => fmt.count(o),
      next: (o) => fmt.next(o),
      prev: (o) => fmt.prev(o),
      setNext: (o, p) => fmt.setNext(o, p),
      setPrev: (o, p) => fmt.setPrev(o, p),
      all: (o) => fmt.allRows(o),
      insertAt: (o, i, e) => fmt.insertAt(o, i, e),
      removeAt: (o, i) => fmt.removeAt(o, i),
      write: (o, es) => fmt.write(o, es),
      fits: (es) => fmt.fits(es),
      roomFor: (es) => fmt.roomFor(es),
      usedBytes: (o) => fmt.usedBytes(o),
      entryBytes: (e) => fmt.rowBytes(e),
      separator: (_l, r) => rowidKey(r.rowid),
      appendSeparator: (_o, e) => rowidKey(e.rowid),
      keyOf: (e) => rowidKey(e.rowid),
    };
    this.tree = new BTree(store, adapter, root);
  }

  static create(store: PageStore, kinds: readonly ColumnKind[]): number {
    const fmt = new PaxLeafFormat(kinds, store.pool);
    return BTree.createRoot(store, (o) => fmt.init(o, store.pool.pageSize, 0));
  }

  get root(): number {
    return this.tree.root;
  }

  /** Reads column c of slot i of the leaf at `o`. */
  value(o: number, l: PaxLayout, i: number, c: number): Value {
    const at = this.fmt.locate(o, l, i, c);
    if (at === -1) return null;
    const pool = this.store.pool;
    if (at === -2) {
      const slot = (o + l.col[c]!) / 8 + i;
      return this.fmt.fixed[c] === TAG_INT ? pool.i64[slot]! : pool.f64[slot]!;
    }
    if (pool.bytes[at]! & OVERFLOW_BIT) return readOverflow(this.store, pool.bytes, at);
    return decodeCell(pool.bytes, pool.dv, at);
  }

  rowAt(o: number, i: number): Row {
    const l = this.fmt.layoutOf(o);
    const row: Value[] = new Array(this.fmt.ncols);
    for (let c = 0; c < this.fmt.ncols; c++) row[c] = this.value(o, l, i, c);
    return row;
  }

  private find(rowid: bigint): { path: PathStep[]; i: number; found: boolean } {
    const path = this.tree.descend(rowidProbe(rowid));
    const o = path[path.length - 1]!.o;
    const i = this.fmt.lowerBound(o, rowid);
    return { path, i, found: i < this.fmt.count(o) && this.fmt.rowidAt(o, i) === rowid };
  }

  get(rowid: bigint): Row | undefined {
    const { path, i, found } = this.find(rowid);
    try {
      return found ? this.rowAt(path[path.length - 1]!.o, i) : undefined;
    } finally {
      this.tree.release(path);
    }
  }

  /** Decodes only `columns` of the row into `out[offset + c]`; false when the row is absent. */
  readInto(rowid: bigint, columns: readonly number[], out: Value[], offset: number): boolean {
    const { path, i, found } = this.find(rowid);
    try {
      if (!found) return false;
      const o = path[path.length - 1]!.o;
      const l = this.fmt.layoutOf(o);
      for (let k = 0; k < columns.length; k++) { const c = columns[k]!; out[offset + c] = this.value(o, l, i, c); }
      return true;
    } finally {
      this.tree.release(path);
    }
  }

  has(rowid: bigint): boolean {
    const { path, found } = this.find(rowid);
    this.tree.release(path);
    return found;
  }

  /** Encodes a row's cells; large TEXT/BLOB values go to new overflow chains. */
  private cells(row: readonly Value[]): Cell[] {
    if (row.length !== this.fmt.ncols) {
      throw new HeliosError('INTERNAL', `storage: row has ${row.length} values but the table has ${this.fmt.ncols} columns`);
    }
    const out: Cell[] = new Array(row.length);
    const fixed = this.fmt.fixed;
    for (let c = 0; c < row.length; c++) {
      const v = row[c]!;
      checkValue(v);
      if (v === null) {
        out[c] = null;
        continue;
      }
      if ((typeof v === 'bigint' && fixed[c] === TAG_INT) || (typeof v === 'number' && fixed[c] === TAG_REAL)) {
        out[c] = v;
        continue;
      }
      if (typeof v === 'string' && v.length * 3 + 5 <= this.maxInline) {
        out[c] = v; // encoded straight into the page heap
        continue;
      }
      const cell = encodeCell(v);
      out[c] = cell.length > this.maxInline ? writeOverflow(this.store, cell) : cell;
    }
    return out;
  }

  /** Inserts a row whose rowid must be absent (the caller checked). */
  insert(rowid: bigint, row: readonly Value[]): void {
    if (row.length !== this.fmt.ncols) {
      throw new HeliosError('INTERNAL', `storage: row has ${row.length} values but the table has ${this.fmt.ncols} columns`);
    }
    for (const v of row) checkValue(v);
    if (!this.insertNew(rowid, row)) throw new HeliosError('INTERNAL', `assertion failed: rowid ${rowid} already present`);
  }

  /** The rightmost leaf as of {@link BTree.structVersion} `hintVersion` (append fast path). */
  private hintPage = 0;
  private hintVersion = -1;

  /**
   * Appends past the largest rowid straight into the remembered rightmost leaf, skipping the
   * descent; false when the hint is stale, the rowid is not past the end, or the leaf is full.
   */
  private tryAppend(rowid: bigint, row: readonly Value[]): boolean {
    if (this.hintVersion !== this.tree.structVersion || this.hintPage === 0) return false;
    const pool = this.store.pool;
    const f = pool.fetch(this.store.owner, this.hintPage);
    try {
      const o = pool.offset(f);
      const n = this.fmt.count(o);
      if (pool.bytes[o + 4] !== PageType.TABLE_LEAF || this.fmt.next(o) !== 0 || n === 0 || this.fmt.rowidAt(o, n - 1) >= rowid) return false;
      for (const v of row) {
        if (typeof v === 'string' || v instanceof Uint8Array) {
          if ((typeof v === 'string' ? v.length * 3 : v.length) + 5 > this.maxInline) return false;
        }
      }
      if (!this.fmt.insertAt(o, n, { rowid, cells: this.cells(row) })) return false;
      pool.markDirty(f);
      this.version++;
      return true;
    } finally {
      pool.unpin(f);
    }
  }

  /** True when the rowid is certainly absent because it is past the end (no descent needed). */
  pastEnd(rowid: bigint): boolean {
    if (this.hintVersion !== this.tree.structVersion || this.hintPage === 0) return false;
    const pool = this.store.pool;
    const f = pool.fetch(this.store.owner, this.hintPage);
    try {
      const o = pool.offset(f);
      const n = this.fmt.count(o);
      return pool.bytes[o + 4] === PageType.TABLE_LEAF && this.fmt.next(o) === 0 && n > 0 && this.fmt.rowidAt(o, n - 1) < rowid;
    } finally {
      pool.unpin(f);
    }
  }

  /** Inserts the row when its rowid is absent (one descent); false, untouched, when present. */
  insertNew(rowid: bigint, row: readonly Value[]): boolean {
    if (this.tryAppend(rowid, row)) return true;
    const { path, i, found } = this.find(rowid);
    const leaf = path[path.length - 1]!;
    if (this.fmt.next(leaf.o) === 0 && path.length > 1) {
      this.hintPage = leaf.page;
      this.hintVersion = this.tree.structVersion;
    }
    if (found) {
      this.tree.release(path);
      return false;
    }
    let cells: Cell[];
    try {
      cells = this.cells(row);
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.insertAt(path, i, { rowid, cells });
    return true;
  }

  /** Inserts or replaces the row with one descent; returns the old row, if any. */
  put(rowid: bigint, row: readonly Value[]): Row | undefined {
    if (row.length !== this.fmt.ncols) {
      throw new HeliosError('INTERNAL', `storage: row has ${row.length} values but the table has ${this.fmt.ncols} columns`);
    }
    for (const v of row) checkValue(v);
    const { path, i, found } = this.find(rowid);
    let old: Row | undefined;
    let cells: Cell[];
    try {
      if (found) {
        const o = path[path.length - 1]!.o;
        old = this.rowAt(o, i);
        this.freeRowOverflow(o, i);
        this.fmt.removeAt(o, i);
      }
      cells = this.cells(row);
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.insertAt(path, i, { rowid, cells });
    return old;
  }

  private freeRowOverflow(o: number, i: number): void {
    const l = this.fmt.layoutOf(o);
    const refs: Uint8Array[] = [];
    for (let c = 0; c < this.fmt.ncols; c++) {
      const at = this.fmt.locate(o, l, i, c);
      if (at >= 0 && this.store.pool.bytes[at]! & OVERFLOW_BIT) refs.push(this.store.pool.bytes.slice(at, at + 9));
    }
    for (const r of refs) freeOverflow(this.store, r);
  }

  /** Deletes the row and returns it, or undefined when absent. */
  delete(rowid: bigint): Row | undefined {
    const { path, i, found } = this.find(rowid);
    if (!found) {
      this.tree.release(path);
      return undefined;
    }
    const o = path[path.length - 1]!.o;
    let row: Row;
    try {
      row = this.rowAt(o, i);
      const l = this.fmt.layoutOf(o);
      const refs: Uint8Array[] = [];
      for (let c = 0; c < this.fmt.ncols; c++) {
        const at = this.fmt.locate(o, l, i, c);
        if (at >= 0 && this.store.pool.bytes[at]! & OVERFLOW_BIT) refs.push(this.store.pool.bytes.slice(at, at + 9));
      }
      for (const r of refs) freeOverflow(this.store, r);
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.removeAt(path, i);
    return row;
  }

  maxRowid(): bigint | null {
    const path = this.tree.descend(null, 'last');
    const pool = this.store.pool;
    let f = -1;
    try {
      let o = path[path.length - 1]!.o;
      for (;;) {
        const n = this.fmt.count(o);
        if (n > 0) return this.fmt.rowidAt(o, n - 1);
        const prev = this.fmt.prev(o);
        if (prev === 0) return null;
        if (f >= 0) pool.unpin(f);
        f = -1;
        f = pool.fetch(this.store.owner, prev);
        o = pool.offset(f);
      }
    } finally {
      this.tree.release(path);
      if (f >= 0) pool.unpin(f);
    }
  }

  /** Frees every page of the table, overflow chains included. */
  destroy(): void {
    this.tree.invalidate();
    const pages = this.tree.pages();
    const pool = this.store.pool;
    for (const pg of pages) {
      const f = pool.fetch(this.store.owner, pg);
      const o = pool.offset(f);
      const refs: Uint8Array[] = [];
      if (pool.bytes[o + 4] === PageType.TABLE_LEAF) {
        const l = this.fmt.layoutOf(o);
        const n = this.fmt.count(o);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < this.fmt.ncols; c++) {
            const at = this.fmt.locate(o, l, i, c);
            if (at >= 0 && pool.bytes[at]! & OVERFLOW_BIT) refs.push(pool.bytes.slice(at, at + 9));
          }
        }
      }
      pool.unpin(f);
      for (const r of refs) freeOverflow(this.store, r);
    }
    for (const pg of pages) this.store.freePage(pg);
  }
}
