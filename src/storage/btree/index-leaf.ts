/**
 * Index leaves: sorted byte keys (see keys/key-codec), each a complete entry
 * (key parts · rowid · type suffix), compared with memcmp.
 *
 * ```
 *  0 crc | 4 type=INDEX_LEAF | 6 u16 count | 8 u32 next leaf | 12 u32 prev leaf
 * 16 u32 heap top | 20 u32 live heap bytes
 * 24 slots[count]: u16 offset · u16 length (bit 15 set: the entry spills, see below)
 *    … free …  entry bytes (heap, growing down from the page end)
 * ```
 * An entry longer than `maxLocal` (a quarter page) keeps its first `maxLocal - 8` bytes in the
 * page, followed by u32 total length · u32 first overflow page; the whole entry is in the
 * overflow chain. Comparisons use the local prefix and read the chain only on a tie, so long keys
 * cost extra I/O only against keys that share their first ~quarter page.
 */
import type { BufferPool } from '../buffer/buffer-pool.js';
import { PageType } from '../pager/page-format.js';
import type { PageStore } from './btree.js';
import { compareBytes } from './interior-page.js';
import { readChain } from './overflow.js';

const HDR = 24;
const SPILL = 0x8000;

/** An entry as it sits in a page: the whole key, or its prefix plus an overflow reference. */
export interface LocalEntry {
  readonly local: Uint8Array;
  readonly spilled: boolean;
}

export class IndexLeafFormat {
  readonly pool: BufferPool;
  readonly maxLocal: number;
  readonly prefixLen: number;

  constructor(readonly store: PageStore) {
    this.pool = store.pool;
    this.maxLocal = (store.pool.pageSize >> 2) - 8;
    this.prefixLen = this.maxLocal - 8;
  }

  init(o: number): void {
    const P = this.pool.pageSize;
    this.pool.bytes.fill(0, o, o + P);
    this.pool.bytes[o + 4] = PageType.INDEX_LEAF;
    this.pool.dv.setUint32(o + 16, P, true);
  }
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

  entryAt(o: number, i: number): LocalEntry {
    const dv = this.pool.dv;
    const s = o + HDR + 4 * i;
    const off = dv.getUint16(s, true);
    const len = dv.getUint16(s + 2, true);
    const n = len & ~SPILL;
    return { local: this.pool.bytes.slice(o + off, o + off + n), spilled: (len & SPILL) !== 0 };
  }

  /** The complete entry (reading the overflow chain of a spilled one). */
  full(e: LocalEntry): Uint8Array {
    if (!e.spilled) return e.local;
    const dv = new DataView(e.local.buffer, e.local.byteOffset, e.local.byteLength);
    const at = e.local.length - 8;
    return readChain(this.store, dv.getUint32(at + 4, true), dv.getUint32(at, true));
  }

  /** First page of a spilled entry's chain. */
  chainOf(e: LocalEntry): number {
    return new DataView(e.local.buffer, e.local.byteOffset, e.local.byteLength).getUint32(e.local.length - 4, true);
  }

  keyAt(o: number, i: number): Uint8Array {
    return this.full(this.entryAt(o, i));
  }

  compareAt(o: number, i: number, key: Uint8Array): number {
    const b = this.pool.bytes;
    const s = o + HDR + 4 * i;
    const off = b[s]! | (b[s + 1]! << 8);
    const len = b[s + 2]! | (b[s + 3]! << 8);
    if ((len & SPILL) === 0) {
      const at = o + off;
      const n = len < key.length ? len : key.length;
      for (let j = 0; j < n; j++) {
        const d = b[at + j]! - key[j]!;
        if (d !== 0) return d;
      }
      return len - key.length;
    }
    const pl = this.prefixLen;
    const c = compareBytes(this.pool.bytes, o + off, pl, key.length < pl ? key : key.subarray(0, pl));
    if (c !== 0 || key.length <= pl) return c === 0 ? 1 : c; // the full entry is longer than pl
    const full = this.keyAt(o, i);
    return compareBytes(full, 0, full.length, key);
  }

  /** True when the entry at slot i starts with `prefix`. */
  startsWithAt(o: number, i: number, prefix: Uint8Array): boolean {
    const b = this.pool.bytes;
    const s = o + HDR + 4 * i;
    const off = b[s]! | (b[s + 1]! << 8);
    const len = b[s + 2]! | (b[s + 3]! << 8);
    const local = len & SPILL ? this.prefixLen : len;
    if (prefix.length > local) {
      if (!(len & SPILL)) return false;
      const full = this.keyAt(o, i);
      if (full.length < prefix.length) return false;
      for (let j = 0; j < prefix.length; j++) if (full[j] !== prefix[j]) return false;
      return true;
    }
    for (let j = 0; j < prefix.length; j++) if (b[o + off + j] !== prefix[j]) return false;
    return true;
  }

  /** The 8 bytes at `at` of the entry at slot i equal `want[at..at+8)` (rowid comparison). */
  sameBytesAt(o: number, i: number, at: number, want: Uint8Array): boolean {
    const b = this.pool.bytes;
    const s = o + HDR + 4 * i;
    const len = b[s + 2]! | (b[s + 3]! << 8);
    if (len & SPILL) {
      const full = this.keyAt(o, i);
      for (let j = 0; j < 8; j++) if (full[at + j] !== want[at + j]) return false;
      return true;
    }
    const off = o + (b[s]! | (b[s + 1]! << 8));
    for (let j = 0; j < 8; j++) if (b[off + at + j] !== want[at + j]) return false;
    return true;
  }

  /** First slot whose key is >= `key`. */
  lowerBound(o: number, key: Uint8Array): number {
    let lo = 0;
    let hi = this.count(o);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(o, mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  all(o: number): LocalEntry[] {
    const n = this.count(o);
    const out: LocalEntry[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.entryAt(o, i);
    return out;
  }
  entryBytes(e: LocalEntry): number {
    return 4 + e.local.length;
  }
  usedBytes(o: number): number {
    return HDR + 4 * this.count(o) + this.pool.dv.getUint32(o + 20, true);
  }
  roomFor(es: readonly LocalEntry[]): number {
    let n = HDR;
    for (const e of es) n += 4 + e.local.length;
    return this.pool.pageSize - n;
  }
  fits(es: readonly LocalEntry[]): boolean {
    return this.roomFor(es) >= 0 && es.length <= 65535;
  }
  insertAt(o: number, i: number, e: LocalEntry): boolean {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    const n = this.count(o);
    const key = e.local;
    const top = dv.getUint32(o + 16, true);
    if (top - key.length < HDR + 4 * (n + 1)) return false;
    const s = o + HDR + 4 * i;
    b.copyWithin(s + 4, s, o + HDR + 4 * n);
    const at = top - key.length;
    b.set(key, o + at);
    dv.setUint16(s, at, true);
    dv.setUint16(s + 2, key.length | (e.spilled ? SPILL : 0), true);
    dv.setUint32(o + 16, at, true);
    dv.setUint32(o + 20, dv.getUint32(o + 20, true) + key.length, true);
    dv.setUint16(o + 6, n + 1, true);
    return true;
  }
  removeAt(o: number, i: number): void {
    const dv = this.pool.dv;
    const n = this.count(o);
    const s = o + HDR + 4 * i;
    const len = dv.getUint16(s + 2, true) & ~SPILL;
    this.pool.bytes.copyWithin(s, s + 4, o + HDR + 4 * n);
    dv.setUint32(o + 20, dv.getUint32(o + 20, true) - len, true);
    dv.setUint16(o + 6, n - 1, true);
  }
  write(o: number, es: readonly LocalEntry[]): boolean {
    if (!this.fits(es)) return false;
    const next = this.next(o);
    const prev = this.prev(o);
    this.init(o);
    this.setNext(o, next);
    this.setPrev(o, prev);
    for (let i = 0; i < es.length; i++) this.insertAt(o, i, es[i]!);
    return true;
  }
}
