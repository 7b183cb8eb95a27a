/**
 * PAX table leaves: one page holds a run of rows column by column, so a scan kernel reads a
 * column as a plain array.
 *
 * ```
 *  0 crc | 4 type=TABLE_LEAF | 6 u16 count | 8 u32 next leaf | 12 u32 prev leaf
 * 16 u32 capacity (row slots) | 20 u32 heap top | 24 u32 live heap bytes | 28 u32 columns
 * 32 rowids       i64[capacity]
 *    per column, in order:
 *      INTEGER/REAL  values i64|f64[capacity] · null bitmap · exception bitmap  (8-byte aligned)
 *      other kinds   u16[capacity] heap offsets (0 = NULL), padded to 8
 *    … free …
 *    heap (cells, growing down from the page end)
 * ```
 * Bitmaps are LSB-first, one bit per slot. SQLite columns are dynamically typed, so a fixed
 * column may hold a value of another class: its exception bit is set, the value is a heap cell and
 * the slot holds the cell's offset. {@link PaxLeafFormat.fixedClean} tells the cursor whether a
 * run of rows is free of exceptions (then the kernels may read the array directly).
 *
 * The capacity is chosen when the page is (re)written, from the rows' average heap use, so that
 * neither the arrays nor the heap run out first by much. A page written with few rows (the new
 * leaf an append starts holds one) says little about the rows to come, so their average is
 * blended with the table's running average ({@link PaxLeafFormat.expectedHeap}): sizing from the
 * first row alone left a table of short and long TEXT values at ~90% of its slots. An insert that
 * finds the slots or the heap full fails; the B-tree then rewrites the page (compacting the heap
 * and re-choosing the capacity) or splits it.
 */
import type { ColumnKind } from '../api.js';
import type { BufferPool } from '../buffer/buffer-pool.js';
import { PageType } from '../pager/page-format.js';
import { TAG_INT, TAG_REAL, TAG_TEXT, cellLength } from './cell-codec.js';

/** A string is a TEXT value not yet encoded: insertAt writes its UTF-8 straight into the heap. */
export type Cell = Uint8Array | bigint | number | string | null;

export interface LeafRow {
  rowid: bigint;
  /**
   * One cell per column (see cell-codec); null = SQL NULL. A value of a fixed column's own class
   * travels as the plain bigint/number (no cell allocated): the common case stays cheap.
   */
  cells: Cell[];
}

const HDR = 32;
const bm = (cap: number): number => Math.ceil(cap / 64) * 8;
const pad8 = (n: number): number => (n + 7) & ~7;

export interface PaxLayout {
  readonly cap: number;
  /** Per column: values/slots offset, null bitmap offset, exception bitmap offset (page-relative). */
  readonly col: Int32Array;
  readonly nul: Int32Array;
  readonly exc: Int32Array;
  readonly end: number;
}

export class PaxLeafFormat {
  /** Per column: TAG_INT / TAG_REAL for fixed columns, 0 for heap columns. */
  readonly fixed: Uint8Array;
  readonly ncols: number;
  private readonly layouts = new Map<number, PaxLayout>();
  private readonly perRow: number;
  /** Heap bytes and rows of every insert since the table was opened (the running average). */
  private heapSeen = 0;
  private rowsSeen = 0;

  constructor(kinds: readonly ColumnKind[], readonly pool: BufferPool) {
    this.ncols = kinds.length;
    this.fixed = new Uint8Array(kinds.map((k) => (k === 'integer' ? TAG_INT : k === 'real' ? TAG_REAL : 0)));
    let per = 8;
    for (const f of this.fixed) per += f ? 8.25 : 2;
    this.perRow = per;
  }

  layout(cap: number): PaxLayout {
    let l = this.layouts.get(cap);
    if (l) return l;
    const col = new Int32Array(this.ncols);
    const nul = new Int32Array(this.ncols);
    const exc = new Int32Array(this.ncols);
    let at = HDR + 8 * cap;
    for (let c = 0; c < this.ncols; c++) {
      col[c] = at;
      if (this.fixed[c]) {
        at += 8 * cap;
        nul[c] = at;
        at += bm(cap);
        exc[c] = at;
        at += bm(cap);
      } else {
        at += pad8(2 * cap);
      }
    }
    l = { cap, col, nul, exc, end: at };
    this.layouts.set(cap, l);
    return l;
  }

  private areaEnd(cap: number): number {
    return this.layout(cap).end;
  }

  // --- header accessors (o = absolute page offset in pool memory) ---
  count(o: number): number {
    return this.pool.dv.getUint16(o + 6, true);
  }
  next(o: number): number {
    return this.pool.dv.getUint32(o + 8, true);
  }
  prev(o: number): number {
    return this.pool.dv.getUint32(o + 12, true);
  }
  setNext(o: number, p: number): void {
    this.pool.dv.setUint32(o + 8, p, true);
  }
  setPrev(o: number, p: number): void {
    this.pool.dv.setUint32(o + 12, p, true);
  }
  cap(o: number): number {
    return this.pool.dv.getUint32(o + 16, true);
  }
  layoutOf(o: number): PaxLayout {
    return this.layout(this.cap(o));
  }

  rowidAt(o: number, i: number): bigint {
    return this.pool.i64[((o + HDR) >> 3) + i]!;
  }

  /** First slot whose rowid is >= `rowid` (count when none). */
  lowerBound(o: number, rowid: bigint): number {
    const a = this.pool.i64;
    const base = (o + HDR) >> 3;
    let lo = 0;
    let hi = this.count(o);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[base + mid]! < rowid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private bit(abs: number, j: number): number {
    return (this.pool.bytes[abs + (j >> 3)]! >> (j & 7)) & 1;
  }
  private setBit(abs: number, j: number, v: number): void {
    const b = this.pool.bytes;
    const at = abs + (j >> 3);
    if (v) b[at] = b[at]! | (1 << (j & 7));
    else b[at] = b[at]! & ~(1 << (j & 7));
  }

  isNull(o: number, l: PaxLayout, i: number, c: number): boolean {
    if (this.fixed[c]) return this.bit(o + l.nul[c]!, i) === 1;
    return this.pool.dv.getUint16(o + l.col[c]! + 2 * i, true) === 0;
  }

  /**
   * Where column c's value of row i lives: -1 NULL, -2 in the fixed array (native class),
   * else the absolute offset of its heap cell.
   */
  locate(o: number, l: PaxLayout, i: number, c: number): number {
    const dv = this.pool.dv;
    if (this.fixed[c]) {
      if (this.bit(o + l.nul[c]!, i)) return -1;
      if (!this.bit(o + l.exc[c]!, i)) return -2;
      return o + dv.getUint16(o + l.col[c]! + 8 * i, true);
    }
    const off = dv.getUint16(o + l.col[c]! + 2 * i, true);
    return off === 0 ? -1 : o + off;
  }

  /** True when rows [from, to) of fixed column c hold no exception (only native values/NULLs). */
  fixedClean(o: number, l: PaxLayout, c: number, from: number, to: number): boolean {
    const abs = o + l.exc[c]!;
    const b = this.pool.bytes;
    let j = from;
    for (; j < to && (j & 7) !== 0; j++) if (this.bit(abs, j)) return false;
    // Whole bytes: eight rows per test (a scan asks this for every column of every batch).
    for (; j + 8 <= to; j += 8) if (b[abs + (j >> 3)] !== 0) return false;
    for (; j < to; j++) if (this.bit(abs, j)) return false;
    return true;
  }

  /** Copies of the row's cells (fixed natives as bigint/number), for rewrites and moves. */
  rowAt(o: number, i: number): LeafRow {
    const l = this.layoutOf(o);
    const cells: Cell[] = new Array(this.ncols);
    const b = this.pool.bytes;
    for (let c = 0; c < this.ncols; c++) {
      const at = this.locate(o, l, i, c);
      if (at === -1) cells[c] = null;
      else if (at === -2) {
        const slot = ((o + l.col[c]!) >> 3) + i;
        cells[c] = this.fixed[c] === TAG_INT ? this.pool.i64[slot]! : this.pool.f64[slot]!;
      } else cells[c] = b.slice(at, at + cellLength(b, this.pool.dv, at));
    }
    return { rowid: this.rowidAt(o, i), cells };
  }

  allRows(o: number): LeafRow[] {
    const n = this.count(o);
    const out: LeafRow[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.rowAt(o, i);
    return out;
  }

  /** Heap bytes the row needs on a page. */
  heapNeed(r: LeafRow): number {
    let n = 0;
    for (let c = 0; c < this.ncols; c++) {
      const cell = r.cells[c];
      if (cell === null) continue;
      if (typeof cell === 'string') n += 5 + Buffer.byteLength(cell, 'utf8');
      else if (typeof cell === 'object') n += cell.length;
    }
    return n;
  }

  /** Approximate bytes a row occupies (for split points and fill factors). */
  rowBytes(r: LeafRow): number {
    return this.perRow + this.heapNeed(r);
  }

  usedBytes(o: number): number {
    return HDR + this.count(o) * this.perRow + this.pool.dv.getUint32(o + 24, true);
  }

  /** Bytes left free if the page held exactly `rows` (negative when they do not fit). */
  roomFor(rows: readonly LeafRow[]): number {
    let heap = 0;
    for (const r of rows) heap += this.heapNeed(r);
    return this.pool.pageSize - this.areaEnd(rows.length) - heap;
  }

  fits(rows: readonly LeafRow[]): boolean {
    let heap = 0;
    for (const r of rows) heap += this.heapNeed(r);
    return rows.length <= 65535 && this.areaEnd(rows.length) + heap <= this.pool.pageSize;
  }

  init(o: number, pageSize: number, cap: number): void {
    const dv = this.pool.dv;
    this.pool.bytes.fill(0, o, o + pageSize);
    this.pool.bytes[o + 4] = PageType.TABLE_LEAF;
    dv.setUint32(o + 16, cap, true);
    dv.setUint32(o + 20, pageSize, true);
    dv.setUint32(o + 28, this.ncols, true);
  }

  /**
   * Rewrites the page with exactly `rows` (keeping its sibling links); false, untouched, when they
   * do not fit.
   */
  write(o: number, rows: readonly LeafRow[]): boolean {
    const P = this.pool.pageSize;
    let heap = 0;
    for (const r of rows) heap += this.heapNeed(r);
    const n = rows.length;
    if (n > 65535 || this.areaEnd(n) + heap > P) return false;
    const avg = this.expectedHeap(heap, n);
    const free = P - this.areaEnd(n) - heap;
    let cap = Math.min(65535, n + Math.floor(free / (this.perRow + avg)));
    while (cap > n && this.areaEnd(cap) + heap > P) cap--;
    const next = this.next(o);
    const prev = this.prev(o);
    this.init(o, P, cap);
    this.setNext(o, next);
    this.setPrev(o, prev);
    // Rows moved by a rewrite are not new rows: keep them out of the running average.
    const [heapSeen, rowsSeen] = [this.heapSeen, this.rowsSeen];
    for (let i = 0; i < n; i++) {
      const ok = this.insertAt(o, i, rows[i]!);
      if (!ok) throw new Error('pax write: computed layout does not fit');
    }
    [this.heapSeen, this.rowsSeen] = [heapSeen, rowsSeen];
    return true;
  }

  /**
   * Heap bytes per row to size a page's slots for: the `n` rows' own average (`heap / n`) weighed
   * against the table's running average as if that were 32 more rows — a page being rewritten
   * full keeps mostly its own shape, a new page with one row mostly the table's.
   */
  expectedHeap(heap: number, n: number): number {
    const prior = this.rowsSeen > 0 ? 32 : 0;
    const total = n + prior;
    return total === 0 ? 0 : (heap + (prior ? (prior * this.heapSeen) / this.rowsSeen : 0)) / total;
  }

  /** Inserts a row at slot i, shifting later rows; false when the slots or the heap are full. */
  insertAt(o: number, i: number, r: LeafRow): boolean {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    const n = this.count(o);
    const cap = this.cap(o);
    if (n >= cap) return false;
    const l = this.layout(cap);
    const need = this.heapNeed(r);
    let top = dv.getUint32(o + 20, true);
    if (top - need < o * 0 + l.end) return false;
    // shift the arrays up by one slot
    if (i < n) {
      b.copyWithin(o + HDR + 8 * (i + 1), o + HDR + 8 * i, o + HDR + 8 * n);
      for (let c = 0; c < this.ncols; c++) {
        const co = o + l.col[c]!;
        if (this.fixed[c]) {
          b.copyWithin(co + 8 * (i + 1), co + 8 * i, co + 8 * n);
          const nu = o + l.nul[c]!;
          const ex = o + l.exc[c]!;
          for (let j = n - 1; j >= i; j--) {
            this.setBit(nu, j + 1, this.bit(nu, j));
            this.setBit(ex, j + 1, this.bit(ex, j));
          }
        } else {
          b.copyWithin(co + 2 * (i + 1), co + 2 * i, co + 2 * n);
        }
      }
    }
    this.pool.i64[((o + HDR) >> 3) + i] = r.rowid;
    for (let c = 0; c < this.ncols; c++) {
      const cell = r.cells[c] ?? null;
      const co = o + l.col[c]!;
      const f = this.fixed[c]!;
      if (f) {
        const nu = o + l.nul[c]!;
        const ex = o + l.exc[c]!;
        if (cell === null) {
          this.setBit(nu, i, 1);
          this.setBit(ex, i, 0);
          b.fill(0, co + 8 * i, co + 8 * i + 8);
        } else if (typeof cell === 'bigint') {
          this.setBit(nu, i, 0);
          this.setBit(ex, i, 0);
          this.pool.i64[(co >> 3) + i] = cell;
        } else if (typeof cell === 'number') {
          this.setBit(nu, i, 0);
          this.setBit(ex, i, 0);
          this.pool.f64[(co >> 3) + i] = cell;
        } else if (typeof cell !== 'string' && cell[0] === f) {
          this.setBit(nu, i, 0);
          this.setBit(ex, i, 0);
          b.set(cell.subarray(1, 9), co + 8 * i);
        } else {
          top -= this.putHeap(o + top, cell);
          this.setBit(nu, i, 0);
          this.setBit(ex, i, 1);
          b.fill(0, co + 8 * i, co + 8 * i + 8);
          dv.setUint16(co + 8 * i, top, true);
        }
      } else if (cell === null) {
        dv.setUint16(co + 2 * i, 0, true);
      } else if (typeof cell === 'bigint' || typeof cell === 'number') {
        throw new Error('pax insert: a native value in a heap column');
      } else {
        top -= this.putHeap(o + top, cell);
        dv.setUint16(co + 2 * i, top, true);
      }
    }
    dv.setUint32(o + 20, top, true);
    dv.setUint32(o + 24, dv.getUint32(o + 24, true) + need, true);
    dv.setUint16(o + 6, n + 1, true);
    // Halving keeps the average recent (a table whose rows grow) and the sums exact integers.
    if (this.rowsSeen >= 1 << 20) {
      this.heapSeen = Math.round(this.heapSeen / 2);
      this.rowsSeen >>= 1;
    }
    this.heapSeen += need;
    this.rowsSeen++;
    return true;
  }

  /** Writes a cell (or a TEXT value as a cell) ending just below absolute `end`; returns its size. */
  private putHeap(end: number, cell: Uint8Array | string): number {
    if (typeof cell !== 'string') {
      this.pool.bytes.set(cell, end - cell.length);
      return cell.length;
    }
    const n = Buffer.byteLength(cell, 'utf8');
    const at = end - 5 - n;
    this.pool.bytes[at] = TAG_TEXT;
    this.pool.dv.setUint32(at + 1, n, true);
    this.pool.buf.write(cell, at + 5, n, 'utf8');
    return 5 + n;
  }

  /** Removes slot i (its heap cells become garbage until the next rewrite). */
  removeAt(o: number, i: number): void {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    const n = this.count(o);
    const l = this.layoutOf(o);
    let freed = 0;
    for (let c = 0; c < this.ncols; c++) {
      const at = this.locate(o, l, i, c);
      if (at >= 0) freed += cellLength(b, dv, at);
    }
    b.copyWithin(o + HDR + 8 * i, o + HDR + 8 * (i + 1), o + HDR + 8 * n);
    for (let c = 0; c < this.ncols; c++) {
      const co = o + l.col[c]!;
      if (this.fixed[c]) {
        b.copyWithin(co + 8 * i, co + 8 * (i + 1), co + 8 * n);
        const nu = o + l.nul[c]!;
        const ex = o + l.exc[c]!;
        for (let j = i; j < n - 1; j++) {
          this.setBit(nu, j, this.bit(nu, j + 1));
          this.setBit(ex, j, this.bit(ex, j + 1));
        }
        this.setBit(nu, n - 1, 0);
        this.setBit(ex, n - 1, 0);
      } else {
        b.copyWithin(co + 2 * i, co + 2 * (i + 1), co + 2 * n);
      }
    }
    dv.setUint32(o + 24, dv.getUint32(o + 24, true) - freed, true);
    dv.setUint16(o + 6, n - 1, true);
  }
}
