/**
 * Overflow chains: TEXT/BLOB values too large for a leaf's heap (over a quarter page) live in a
 * chain of pages, and the leaf keeps a 9-byte reference cell ([tag|0x80][u32 length][u32 first]).
 *
 * ```
 * overflow page: 0 crc | 4 type=OVERFLOW | 8 u32 next page (0 = last) | 12 u32 bytes used | 16 data
 * ```
 */
import { HeliosError } from '../../errors.js';
import { NeedsOwner } from '../buffer/buffer-pool.js';
import { PageType } from '../pager/page-format.js';
import type { PageStore } from './btree.js';
import { OVERFLOW_BIT, OVERFLOW_REF_LEN, TAG_BLOB, TAG_TEXT, decodeText } from './cell-codec.js';

const HDR = 16;

/** Writes the cell's payload to a new chain and returns the reference cell. */
export function writeOverflow(store: PageStore, cell: Uint8Array): Uint8Array {
  const first = writeChain(store, cell.subarray(5));
  const ref = new Uint8Array(OVERFLOW_REF_LEN);
  const dv = new DataView(ref.buffer);
  ref[0] = cell[0]! | OVERFLOW_BIT;
  dv.setUint32(1, cell.length - 5, true);
  dv.setUint32(5, first, true);
  return ref;
}

/** Writes bytes to a new overflow chain; returns its first page. */
export function writeChain(store: PageStore, payload: Uint8Array): number {
  const pool = store.pool;
  const per = pool.pageSize - HDR;
  const n = Math.max(1, Math.ceil(payload.length / per));
  const pages: number[] = [];
  for (let i = 0; i < n; i++) pages.push(store.allocPage());
  for (let i = 0; i < n; i++) {
    const f = pool.create(store.owner, pages[i]!);
    const o = pool.offset(f);
    pool.bytes[o + 4] = PageType.OVERFLOW;
    const chunk = payload.subarray(i * per, (i + 1) * per);
    pool.dv.setUint32(o + 8, pages[i + 1] ?? 0, true);
    pool.dv.setUint32(o + 12, chunk.length, true);
    pool.bytes.set(chunk, o + HDR);
    pool.unpin(f);
  }
  return pages[0]!;
}

/** Reads a whole chain of `len` bytes starting at page `first`. */
export function readChain(store: PageStore, first: number, len: number): Uint8Array {
  const pool = store.pool;
  if (len > pool.readLimit) throw new NeedsOwner(`an overflow value of ${len} bytes`);
  const out = new Uint8Array(len);
  let at = 0;
  chain(store, first, (o) => {
    const n = pool.dv.getUint32(o + 12, true);
    if (at + n > len) throw new HeliosError('INTERNAL', `storage corruption: overflow chain from page ${first} is longer than its value`);
    out.set(pool.bytes.subarray(o + HDR, o + HDR + n), at);
    at += n;
  });
  if (at !== len) throw new HeliosError('INTERNAL', `storage corruption: overflow chain from page ${first} is shorter than its value`);
  return out;
}

function chain(store: PageStore, first: number, visit: (o: number) => void): void {
  const pool = store.pool;
  let pg = first;
  let guard = 0;
  while (pg !== 0) {
    if (++guard > 1 << 22) throw new HeliosError('INTERNAL', `storage corruption: overflow chain from page ${first} loops`);
    const f = pool.fetch(store.owner, pg);
    const o = pool.offset(f);
    try {
      if (pool.bytes[o + 4] !== PageType.OVERFLOW) throw new HeliosError('INTERNAL', `storage corruption: page ${pg} should be an overflow page`);
      visit(o);
      pg = pool.dv.getUint32(o + 8, true);
    } finally {
      pool.unpin(f);
    }
  }
}

export function readOverflow(store: PageStore, ref: Uint8Array, refOff: number): string | Uint8Array {
  const dv = new DataView(ref.buffer, ref.byteOffset);
  const tag = ref[refOff]! & ~OVERFLOW_BIT;
  const out = readChain(store, dv.getUint32(refOff + 5, true), dv.getUint32(refOff + 1, true));
  if (tag === TAG_TEXT) return decodeText(out);
  if (tag === TAG_BLOB) return out;
  throw new HeliosError('INTERNAL', `storage corruption: overflow reference with tag ${tag}`);
}

/** The chain's pages (for freeing and for the consistency check). */
export function overflowPages(store: PageStore, ref: Uint8Array): number[] {
  return collect(store, new DataView(ref.buffer, ref.byteOffset).getUint32(5, true));
}

function collect(store: PageStore, first: number): number[] {
  const out: number[] = [];
  const pool = store.pool;
  let pg = first;
  while (pg !== 0) {
    out.push(pg);
    const f = pool.fetch(store.owner, pg);
    pg = pool.dv.getUint32(pool.offset(f) + 8, true);
    pool.unpin(f);
    if (out.length > 1 << 22) throw new HeliosError('INTERNAL', `storage corruption: overflow chain from page ${first} loops`);
  }
  return out;
}

export function freeOverflow(store: PageStore, ref: Uint8Array): void {
  freeChain(store, new DataView(ref.buffer, ref.byteOffset).getUint32(5, true));
}

export function freeChain(store: PageStore, first: number): void {
  for (const pg of collect(store, first)) store.freePage(pg);
}

export function chainPages(store: PageStore, first: number): number[] {
  return collect(store, first);
}
