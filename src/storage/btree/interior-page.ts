/**
 * Interior B+tree pages, shared by table trees (8-byte rowid keys) and index trees (byte keys).
 *
 * ```
 *  0 crc | 4 type | 6 u16 key count n | 8 u32 heap top | 12 u32 child 0 | 16 u32 live heap bytes
 * 20 slots[n]: u16 key offset · u16 key length · u32 child right of the key
 *    … free …  key bytes (heap, growing down from the page end)
 * ```
 * Key i separates child i from child i+1: every key in child i+1's subtree is >= key i, every
 * key in child i's subtree is < key i. Keys compare as unsigned bytes.
 */
import type { BufferPool } from '../buffer/buffer-pool.js';

const HDR = 20;
const SLOT = 8;

export interface InteriorContent {
  keys: Uint8Array[];
  children: number[];
}

/** memcmp-style compare of a[aOff..aOff+aLen) with b. */
export function compareBytes(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array): number {
  const n = aLen < b.length ? aLen : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[aOff + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return aLen - b.length;
}

export class InteriorFormat {
  constructor(readonly pool: BufferPool) {}

  init(o: number, type: number): void {
    const P = this.pool.pageSize;
    this.pool.bytes.fill(0, o, o + P);
    this.pool.bytes[o + 4] = type;
    this.pool.dv.setUint32(o + 8, P, true);
  }
  count(o: number): number {
    return this.pool.dv.getUint16(o + 6, true);
  }
  child(o: number, i: number): number {
    const dv = this.pool.dv;
    return i === 0 ? dv.getUint32(o + 12, true) : dv.getUint32(o + HDR + SLOT * (i - 1) + 4, true);
  }
  key(o: number, i: number): Uint8Array {
    const dv = this.pool.dv;
    const s = o + HDR + SLOT * i;
    const off = dv.getUint16(s, true);
    return this.pool.bytes.slice(o + off, o + off + dv.getUint16(s + 2, true));
  }
  /** The child to descend into for `key`: the number of separators <= key. */
  childIndexFor(o: number, key: Uint8Array): number {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    let lo = 0;
    let hi = this.count(o);
    if (key.length === 8) {
      // Table trees (8-byte rowid keys): compare as two big-endian u32 words, which orders
      // 8-byte strings as memcmp does, instead of byte by byte — the descent's inner loop.
      const k0 = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
      const k1 = ((key[4]! << 24) | (key[5]! << 16) | (key[6]! << 8) | key[7]!) >>> 0;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const s = o + HDR + SLOT * mid;
        const at = o + dv.getUint16(s, true);
        let le: boolean;
        if (dv.getUint16(s + 2, true) === 8) {
          const s0 = dv.getUint32(at, false);
          le = s0 < k0 || (s0 === k0 && dv.getUint32(at + 4, false) <= k1);
        } else le = compareBytes(b, at, dv.getUint16(s + 2, true), key) <= 0;
        if (le) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = o + HDR + SLOT * mid;
      if (compareBytes(b, o + dv.getUint16(s, true), dv.getUint16(s + 2, true), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  usedBytes(o: number): number {
    return HDR + this.count(o) * SLOT + this.pool.dv.getUint32(o + 16, true);
  }
  fits(c: InteriorContent): boolean {
    let n = HDR + c.keys.length * SLOT;
    for (const k of c.keys) n += k.length;
    return n <= this.pool.pageSize && c.keys.length <= 65535;
  }
  content(o: number): InteriorContent {
    const n = this.count(o);
    const keys: Uint8Array[] = new Array(n);
    const children: number[] = new Array(n + 1);
    for (let i = 0; i < n; i++) keys[i] = this.key(o, i);
    for (let i = 0; i <= n; i++) children[i] = this.child(o, i);
    return { keys, children };
  }
  /** Inserts key i with child i+1 = `right`; false when there is no room. */
  insertKey(o: number, i: number, key: Uint8Array, right: number): boolean {
    const dv = this.pool.dv;
    const b = this.pool.bytes;
    const n = this.count(o);
    const top = dv.getUint32(o + 8, true);
    if (top - key.length < HDR + (n + 1) * SLOT) return false;
    const s = o + HDR + SLOT * i;
    b.copyWithin(s + SLOT, s, o + HDR + SLOT * n);
    const at = top - key.length;
    b.set(key, o + at);
    dv.setUint16(s, at, true);
    dv.setUint16(s + 2, key.length, true);
    dv.setUint32(s + 4, right, true);
    dv.setUint32(o + 8, at, true);
    dv.setUint32(o + 16, dv.getUint32(o + 16, true) + key.length, true);
    dv.setUint16(o + 6, n + 1, true);
    return true;
  }
  /** Removes key i and child i+1. */
  removeKey(o: number, i: number): void {
    const dv = this.pool.dv;
    const n = this.count(o);
    const s = o + HDR + SLOT * i;
    const len = dv.getUint16(s + 2, true);
    this.pool.bytes.copyWithin(s, s + SLOT, o + HDR + SLOT * n);
    dv.setUint32(o + 16, dv.getUint32(o + 16, true) - len, true);
    dv.setUint16(o + 6, n - 1, true);
  }
  /** Rewrites the page with the content (type kept); false, untouched, when it does not fit. */
  write(o: number, c: InteriorContent): boolean {
    if (!this.fits(c)) return false;
    const type = this.pool.bytes[o + 4]!;
    this.init(o, type);
    this.pool.dv.setUint32(o + 12, c.children[0]!, true);
    for (let i = 0; i < c.keys.length; i++) this.insertKey(o, i, c.keys[i]!, c.children[i + 1]!);
    return true;
  }
  /** Replaces key i, rewriting the page; false when it would not fit. */
  replaceKey(o: number, i: number, key: Uint8Array): boolean {
    const c = this.content(o);
    c.keys[i] = key;
    return this.write(o, c);
  }
}
