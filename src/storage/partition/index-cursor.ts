/**
 * Index cursors: range scans over an {@link IndexTree}, translating {@link IndexRange} bounds
 * (prefixes of key values, inclusive or not, forward or reverse) into byte bounds.
 * Each `next` re-descends from the last entry returned, so no page stays pinned between calls
 * and writes in between are safe.
 */
import type { IndexCursor, IndexEntry, IndexKeyPart, IndexRange, KeyBound, Value } from '../api.js';
import { decodeEntry, encodePrefix, prefixSuccessor, rowidOfEntry } from '../keys/key-codec.js';
import type { IndexMeta } from './catalog.js';

export class PagedIndexCursor implements IndexCursor {
  private last: Uint8Array | null = null;
  private done = false;
  /** Forward: first entry >= start. Reverse: entries < start. null = from the edge. */
  private readonly start: Uint8Array | null;
  /** Forward: stop at entries >= stop. Reverse: stop at entries < stop. */
  private readonly stop: Uint8Array | null;
  private readonly reverse: boolean;

  constructor(private readonly ix: IndexMeta, range: IndexRange = {}, private readonly onClose?: () => void) {
    this.reverse = range.reverse === true;
    const enc = (b: KeyBound): Uint8Array => encodePrefix(b.values, ix.parts);
    const above = (b: KeyBound): Uint8Array | null => (b.inclusive ? enc(b) : prefixSuccessor(enc(b)));
    const below = (b: KeyBound): Uint8Array | null => (b.inclusive ? prefixSuccessor(enc(b)) : enc(b));
    if (!this.reverse) {
      this.start = range.lo ? above(range.lo) : null;
      this.stop = range.hi ? below(range.hi) : null;
      if (range.lo && this.start === null) this.done = true;
    } else {
      this.start = range.hi ? below(range.hi) : null;
      this.stop = range.lo ? above(range.lo) : null;
      if (range.lo && this.stop === null) this.done = true;
    }
  }

  next(max: number): IndexEntry[] {
    if (this.done || max <= 0) return [];
    const got = this.ix.tree.read({
      from: this.last ? null : this.start,
      after: this.last,
      stop: this.stop,
      reverse: this.reverse,
      max,
    });
    if (got.length < max) this.done = true;
    if (got.length > 0) this.last = got[got.length - 1]!;
    const parts = this.ix.parts;
    return got.map((e) => new LazyIndexEntry(e, parts));
  }

  close(): void {
    if (this.done && this.last === null && !this.onClose) return;
    this.done = true;
    const cb = this.onClose;
    if (cb) cb();
  }
}

/**
 * An index entry whose key values are decoded only when asked for: the executor usually needs
 * just the rowid (to fetch the row), and decoding every key was the largest cost of an index scan.
 */
class LazyIndexEntry implements IndexEntry {
  readonly rowid: bigint;
  private decoded: Value[] | undefined;
  constructor(
    private readonly entry: Uint8Array,
    private readonly parts: readonly IndexKeyPart[],
  ) {
    this.rowid = rowidOfEntry(entry, parts.length);
  }
  get key(): readonly Value[] {
    return (this.decoded ??= decodeEntry(this.entry, this.parts).values);
  }
}
