/**
 * The buffer pool's page table: (owner, page number) → frame, an open-addressing hash table with
 * linear probing in one (Shared)ArrayBuffer, so a thread other than the pool's owner can look pages
 * up (optimistic reads, see {@link BufferPool.attach}).
 *
 * Why not a Map: a Map lives in one thread's heap. This table is also a little cheaper than a Map
 * keyed by doubles for the owner itself: no boxing and no rehash (its size is fixed: twice the
 * frames, rounded up to a power of two, so the load factor stays at or under one half).
 *
 * Deletion shifts later entries of the probe run back (no tombstones), so a lookup's probe length
 * never grows with churn. A reader on another thread may see the table mid-change; it must
 * validate what it read with the pool's sequence counter, and every probe here is bounded by the
 * capacity so a torn table cannot make it loop.
 */
import { invariant } from '../../errors.js';

const EMPTY = -1;

export class PageTable {
  /** Owner of each slot (-1: empty). */
  private readonly owners: Int32Array;
  private readonly pages: Uint32Array;
  private readonly frames: Int32Array;
  private readonly mask: number;
  size = 0;

  /** Bytes of the buffer for a table serving `frames` frames. */
  static bytesFor(frames: number): number {
    return capacityFor(frames) * 12;
  }

  /** Over `buf` (from {@link bytesFor}); `init` clears it (the owner), a reader attaches as is. */
  constructor(readonly buf: ArrayBuffer | SharedArrayBuffer, frames: number, init: boolean) {
    const cap = capacityFor(frames);
    invariant(buf.byteLength >= cap * 12, 'page table buffer too small');
    this.owners = new Int32Array(buf, 0, cap);
    this.pages = new Uint32Array(buf, cap * 4, cap);
    this.frames = new Int32Array(buf, cap * 8, cap);
    this.mask = cap - 1;
    if (init) this.owners.fill(EMPTY);
  }

  /** The frame holding the page, or -1. */
  get(owner: number, page: number): number {
    const mask = this.mask;
    let i = slotOf(owner, page, mask);
    for (let n = 0; n <= mask; n++) {
      const o = this.owners[i]!;
      if (o === EMPTY) return -1;
      if (o === owner && this.pages[i] === page) return this.frames[i]!;
      i = (i + 1) & mask;
    }
    return -1;
  }

  set(owner: number, page: number, frame: number): void {
    const mask = this.mask;
    invariant(this.size < mask, 'page table full'); // so the probe below meets an empty slot
    let i = slotOf(owner, page, mask);
    for (;;) {
      const o = this.owners[i]!;
      if (o === EMPTY) break;
      if (o === owner && this.pages[i] === page) {
        this.frames[i] = frame;
        return;
      }
      i = (i + 1) & mask;
    }
    this.pages[i] = page;
    this.frames[i] = frame;
    this.owners[i] = owner;
    this.size++;
  }

  /** Removes the page if present (backward-shift deletion). */
  delete(owner: number, page: number): void {
    const mask = this.mask;
    let i = slotOf(owner, page, mask);
    for (;;) {
      const o = this.owners[i]!;
      if (o === EMPTY) return;
      if (o === owner && this.pages[i] === page) break;
      i = (i + 1) & mask;
    }
    // Close the gap: move back any later entry of the run whose home slot is not in (i, j].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const o = this.owners[j]!;
      if (o === EMPTY) break;
      const home = slotOf(o, this.pages[j]!, mask);
      const movable = i <= j ? home <= i || home > j : home <= i && home > j;
      if (!movable) continue;
      this.owners[i] = o;
      this.pages[i] = this.pages[j]!;
      this.frames[i] = this.frames[j]!;
      i = j;
    }
    this.owners[i] = EMPTY;
    this.size--;
  }
}

function capacityFor(frames: number): number {
  let cap = 64;
  while (cap < frames * 2) cap *= 2;
  return cap;
}

function slotOf(owner: number, page: number, mask: number): number {
  let h = Math.imul(page ^ Math.imul(owner, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h & mask;
}
