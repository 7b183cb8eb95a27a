/**
 * Table cursors: rowid-ordered scans over a {@link TableTree} that hand out whole leaf runs as
 * {@link RowBatch}es, so the executor and the kernels work a page at a time.
 *
 * The current leaf stays pinned while its batch is in use (until the next `nextBatch` or
 * `close`). When the table changes between batches (the tree's version moved), the cursor
 * re-seeks just past the last rowid it returned, so splits and merges never make it skip or
 * repeat rows. A forward batch that starts mid-page at a slot not divisible by 8 is cut at the next
 * multiple of 8, so every later batch's null bitmap starts on a byte boundary (kernel-friendly).
 */
import type { FixedColumnView, RowBatch, RowidRange, TableCursor, Value } from '../api.js';
import { OVERFLOW_BIT, TAG_BLOB, TAG_INT, TAG_TEXT, decodeCell } from './cell-codec.js';
import type { PaxLayout } from './pax-leaf.js';
import { type TableTree, rowidProbe } from './table-tree.js';

class PageBatch implements RowBatch {
  constructor(
    private readonly t: TableTree,
    private readonly o: number,
    private readonly l: PaxLayout,
    private readonly from: number,
    readonly length: number,
    private readonly reverse: boolean,
  ) {}
  private slot(i: number): number {
    return this.reverse ? this.from + this.length - 1 - i : this.from + i;
  }
  rowid(i: number): bigint {
    return this.t.fmt.rowidAt(this.o, this.slot(i));
  }
  value(i: number, column: number): Value {
    return this.t.value(this.o, this.l, this.slot(i), column);
  }
  dictionary(column: number, codes: Int32Array): Value[] | null {
    return dictionaryOf(this.t, this.o, this.l, column, this.from, this.length, this.reverse, codes);
  }
  fixedColumn(column: number): FixedColumnView | null {
    const f = this.t.fmt.fixed[column];
    if (!f || this.reverse || (this.from & 7) !== 0) return null;
    if (!this.t.fmt.fixedClean(this.o, this.l, column, this.from, this.from + this.length)) return null;
    return {
      kind: f === TAG_INT ? 'i64' : 'f64',
      memory: this.t.store.pool.memory,
      byteOffset: this.o + this.l.col[column]! + 8 * this.from,
      nullBitmapOffset: this.o + this.l.nul[column]! + (this.from >> 3),
    };
  }
}

/** Reused by {@link dictionaryOf} (synchronous, one thread): hash slots and per-entry cells. */
let slots = new Int32Array(0);
let entryAt = new Int32Array(0);
let entryLen = new Int32Array(0);

/**
 * {@link RowBatch.dictionary} for a page batch: each row's cell is located, hashed (FNV-1a over
 * its tag and bytes) and looked up in a small open-addressing table of the cells seen so far;
 * only a cell's first occurrence is decoded. Fixed-width (INTEGER/REAL) columns answer null:
 * their arrays are read through `fixedColumn`, their exception cells through `value`.
 */
function dictionaryOf(t: TableTree, o: number, l: PaxLayout, column: number, from: number, length: number, reverse: boolean, codes: Int32Array): Value[] | null {
  const fmt = t.fmt;
  if (fmt.fixed[column]) return null;
  const pool = t.store.pool;
  const b = pool.bytes;
  const dv = pool.dv;
  let size = 16;
  while (size < 2 * length) size <<= 1;
  if (slots.length < size) slots = new Int32Array(size);
  if (entryAt.length < length) { entryAt = new Int32Array(length); entryLen = new Int32Array(length); }
  slots.fill(-1, 0, size);
  const mask = size - 1;
  const values: Value[] = [];
  const slot0 = o + l.col[column]!;
  for (let i = 0; i < length; i++) {
    const off = dv.getUint16(slot0 + 2 * (reverse ? from + length - 1 - i : from + i), true);
    if (off === 0) { codes[i] = -1; continue; }
    const at = o + off;
    const tag = b[at]!;
    if (tag & OVERFLOW_BIT) return null;
    const len = tag === TAG_TEXT || tag === TAG_BLOB ? 5 + dv.getUint32(at + 1, true) : 9;
    // FNV-1a-style over 32-bit words, then the tail bytes (the cell is read, not decoded).
    let h = 0x811c9dc5;
    let j = 0;
    for (; j + 4 <= len; j += 4) h = Math.imul(h ^ dv.getInt32(at + j, true), 0x01000193);
    for (; j < len; j++) h = Math.imul(h ^ b[at + j]!, 0x01000193);
    h ^= h >>> 15;
    let s = h & mask;
    for (;;) {
      const e = slots[s]!;
      if (e === -1) {
        const code = values.length;
        slots[s] = code;
        entryAt[code] = at;
        entryLen[code] = len;
        values.push(decodeCell(b, dv, at));
        codes[i] = code;
        break;
      }
      if (entryLen[e] === len && sameBytes(b, dv, entryAt[e]!, at, len)) { codes[i] = e; break; }
      s = (s + 1) & mask;
    }
  }
  return values;
}

function sameBytes(b: Uint8Array, dv: DataView, x: number, y: number, len: number): boolean {
  let j = 0;
  for (; j + 4 <= len; j += 4) if (dv.getInt32(x + j, true) !== dv.getInt32(y + j, true)) return false;
  for (; j < len; j++) if (b[x + j] !== b[y + j]) return false;
  return true;
}

export class PaxTableCursor implements TableCursor {
  private frame = -1;
  private o = 0;
  /** Next slot to return (forward) or last slot to return (reverse) in the current leaf. */
  private pos = 0;
  private started = false;
  private done = false;
  private last: bigint | null = null;
  private version: number;
  private readonly reverse: boolean;

  constructor(private readonly t: TableTree, private readonly range: RowidRange = {}, private readonly onClose?: () => void) {
    this.reverse = range.reverse === true;
    this.version = t.version;
  }

  private get pool() {
    return this.t.store.pool;
  }

  private unpin(): void {
    if (this.frame >= 0) this.pool.unpin(this.frame);
    this.frame = -1;
  }

  /** Positions on the leaf holding `rowid` (or the first/last leaf). */
  private seek(rowid: bigint | null, exclusive: boolean): void {
    this.unpin();
    const path = this.t.tree.descend(rowid === null ? null : rowidProbe(rowid), this.reverse ? 'last' : 'first');
    const leaf = path[path.length - 1]!;
    this.frame = this.pool.fetch(this.t.store.owner, leaf.page);
    this.t.tree.release(path);
    this.o = this.pool.offset(this.frame);
    const fmt = this.t.fmt;
    const n = fmt.count(this.o);
    if (!this.reverse) {
      if (rowid === null) this.pos = 0;
      else {
        let i = fmt.lowerBound(this.o, rowid);
        if (exclusive && i < n && fmt.rowidAt(this.o, i) === rowid) i++;
        this.pos = i;
      }
    } else if (rowid === null) this.pos = n - 1;
    else {
      let i = fmt.lowerBound(this.o, rowid);
      if (!(i < n && fmt.rowidAt(this.o, i) === rowid && !exclusive)) i--;
      this.pos = i;
    }
  }

  private step(next: number): boolean {
    this.unpin();
    if (next === 0) return false;
    this.frame = this.pool.fetch(this.t.store.owner, next);
    this.o = this.pool.offset(this.frame);
    this.pos = this.reverse ? this.t.fmt.count(this.o) - 1 : 0;
    return true;
  }

  nextBatch(): RowBatch | null {
    if (this.done) return null;
    const fmt = this.t.fmt;
    if (!this.started || this.version !== this.t.version) {
      this.version = this.t.version;
      if (this.last !== null) this.seek(this.last, true);
      else {
        const b = this.reverse ? this.range.hi : this.range.lo;
        this.seek(b ? b.rowid : null, b ? !b.inclusive : false);
      }
      this.started = true;
    }
    for (;;) {
      const n = fmt.count(this.o);
      if (!this.reverse) {
        if (this.pos >= n) {
          if (!this.step(fmt.next(this.o))) return this.finish();
          continue;
        }
        let end = n;
        const hi = this.range.hi;
        if (hi && fmt.rowidAt(this.o, n - 1) >= hi.rowid) {
          let j = fmt.lowerBound(this.o, hi.rowid);
          if (hi.inclusive && j < n && fmt.rowidAt(this.o, j) === hi.rowid) j++;
          end = j;
          if (end <= this.pos) return this.finish();
        }
        const from = this.pos;
        if ((from & 7) !== 0 && end > ((from + 8) & ~7)) end = (from + 8) & ~7;
        this.pos = end;
        this.last = fmt.rowidAt(this.o, end - 1);
        return new PageBatch(this.t, this.o, fmt.layoutOf(this.o), from, end - from, false);
      }
      if (this.pos < 0) {
        if (!this.step(fmt.prev(this.o))) return this.finish();
        continue;
      }
      let start = 0;
      const lo = this.range.lo;
      if (lo && fmt.rowidAt(this.o, 0) <= lo.rowid) {
        let j = fmt.lowerBound(this.o, lo.rowid);
        if (!lo.inclusive && j < n && fmt.rowidAt(this.o, j) === lo.rowid) j++;
        start = j;
        if (start > this.pos) return this.finish();
      }
      const to = this.pos;
      this.pos = start - 1;
      this.last = fmt.rowidAt(this.o, start);
      return new PageBatch(this.t, this.o, fmt.layoutOf(this.o), start, to - start + 1, true);
    }
  }

  private finish(): null {
    this.done = true;
    this.unpin();
    return null;
  }

  private closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.done = true;
    this.unpin();
    this.onClose?.();
  }
}
