/**
 * Index leaves: sorted byte keys (see keys/key-codec), each a complete entry
 * (key parts · rowid · type suffix), compared with memcmp.
 *
 * ```
 *  0 crc | 4 type=INDEX_LEAF | 6 u16 count | 8 u32 next leaf | 12 u32 prev leaf
 * 16 u32 heap top | 20 u32 live heap bytes
 * 24 slots[count]: u16 key offset · u16 key length
 *    … free …  key bytes (heap, growing down from the page end)
 * ```
 */
import type { BufferPool } from '../buffer/buffer-pool.js';
import { PageType } from '../pager/page-format.js';
import { compareBytes } from './interior-page.js';

const HDR = 24;

export class IndexLeafFormat {
  constructor(readonly pool: BufferPool) {}

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
  keyAt(o: number, i: number): Uint8Array {
    const dv = this.pool.dv;
    const s = o + HDR + 4 * i;
    const off = dv.getUint16(s, true);
    return this.pool.bytes.slice(o + off, o + off + dv.getUint16(s + 2, true));
  }
  compareAt(o: number, i: number, key: Uint8Array): number {
    const dv = this.pool.dv;
    const s = o + HDR + 4 * i;
    return compareBytes(this.pool.bytes, o + dv.getUint16(s, true), dv.getUint16(s + 2, true), key);
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
  allKeys(o: number): Uint8Array[] {
    const n = this.count(o);
    const out: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.keyAt(o, i);
    return out;
  }
  entryBytes(k: Uint8Array): number {
    return 4 + k.length;
  }
  usedBytes(o: number): number {
    return HDR + 4 * this.count(o) + this.pool.dv.getUint32(o + 20, true);
  }
  fits(keys: readonly Uint8Array[]): boolean {
    let n = HDR;
    for (const k of keys) n += 4 + k.length;
    return n <= this.pool.pageSize && keys.length <= 65535;
  }
  insertAt(o: number, i: number, key: Uint8Array): boolean {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    const n = this.count(o);
    const top = dv.getUint32(o + 16, true);
    if (top - key.length < HDR + 4 * (n + 1)) return false;
    const s = o + HDR + 4 * i;
    b.copyWithin(s + 4, s, o + HDR + 4 * n);
    const at = top - key.length;
    b.set(key, o + at);
    dv.setUint16(s, at, true);
    dv.setUint16(s + 2, key.length, true);
    dv.setUint32(o + 16, at, true);
    dv.setUint32(o + 20, dv.getUint32(o + 20, true) + key.length, true);
    dv.setUint16(o + 6, n + 1, true);
    return true;
  }
  removeAt(o: number, i: number): void {
    const dv = this.pool.dv;
    const n = this.count(o);
    const s = o + HDR + 4 * i;
    const len = dv.getUint16(s + 2, true);
    this.pool.bytes.copyWithin(s, s + 4, o + HDR + 4 * n);
    dv.setUint32(o + 20, dv.getUint32(o + 20, true) - len, true);
    dv.setUint16(o + 6, n - 1, true);
  }
  write(o: number, keys: readonly Uint8Array[]): boolean {
    if (!this.fits(keys)) return false;
    const next = this.next(o);
    const prev = this.prev(o);
    this.init(o);
    this.setNext(o, next);
    this.setPrev(o, prev);
    for (let i = 0; i < keys.length; i++) this.insertAt(o, i, keys[i]!);
    return true;
  }
}
