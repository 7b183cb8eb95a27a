/**
 * An index: a B+tree of encoded entries (keys/key-codec) in {@link IndexLeafFormat} leaves.
 * Entries are unique byte strings (they end in the rowid); the tree knows nothing of values.
 * Entries longer than a quarter page spill to overflow chains; interior separators are the
 * shortest prefix that separates two neighbours, so they stay short even for long keys.
 */
import { HeliosError } from '../../errors.js';
import { PageType } from '../pager/page-format.js';
import { BTree, type LeafAdapter, type PageStore } from './btree.js';
import { IndexLeafFormat, type LocalEntry } from './index-leaf.js';
import { compareBytes } from './interior-page.js';
import { chainPages, freeChain, writeChain } from './overflow.js';

function startsWith(a: Uint8Array, p: Uint8Array): boolean {
  if (a.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (a[i] !== p[i]) return false;
  return true;
}

/** Longest entry accepted (u32 lengths; a sanity bound, not a page limit). */
const MAX_ENTRY = 1 << 28;

export class IndexTree {
  readonly fmt: IndexLeafFormat;
  readonly tree: BTree<LocalEntry>;
  version = 0;
  /** Separators longer than this cannot be stored in interior pages. */
  private readonly maxSeparator: number;

  constructor(readonly store: PageStore, root: number) {
    const fmt = new IndexLeafFormat(store);
    this.fmt = fmt;
    this.maxSeparator = (store.pool.pageSize >> 2) - 8;
    const separator = (l: LocalEntry, r: LocalEntry): Uint8Array => {
      const a = fmt.full(l);
      const b = fmt.full(r);
      let n = 0;
      while (n < a.length && n < b.length && a[n] === b[n]) n++;
      if (n + 1 > this.maxSeparator) {
        throw new HeliosError('INTERNAL', `storage: two index keys share their first ${n} bytes, more than the ${this.maxSeparator} an interior page can separate`);
      }
      return b.slice(0, n + 1);
    };
    const adapter: LeafAdapter<LocalEntry> = {
      leafType: PageType.INDEX_LEAF,
      interiorType: PageType.INDEX_INTERIOR,
      init: (o) => fmt.init(o),
      count: (o) => fmt.count(o),
      next: (o) => fmt.next(o),
      prev: (o) => fmt.prev(o),
      setNext: (o, p) => fmt.setNext(o, p),
      setPrev: (o, p) => fmt.setPrev(o, p),
      all: (o) => fmt.all(o),
      insertAt: (o, i, e) => fmt.insertAt(o, i, e),
      removeAt: (o, i) => fmt.removeAt(o, i),
      write: (o, es) => fmt.write(o, es),
      fits: (es) => fmt.fits(es),
      roomFor: (es) => fmt.roomFor(es),
      usedBytes: (o) => fmt.usedBytes(o),
      entryBytes: (e) => fmt.entryBytes(e),
      separator,
      appendSeparator: (o, e) => separator(fmt.entryAt(o, fmt.count(o) - 1), e),
      keyOf: (e) => fmt.full(e),
    };
    this.tree = new BTree(store, adapter, root);
  }

  static create(store: PageStore): number {
    const fmt = new IndexLeafFormat(store);
    return BTree.createRoot(store, (o) => fmt.init(o));
  }

  get root(): number {
    return this.tree.root;
  }

  /**
   * Rejects (before anything changes) an entry that could never be separated from a neighbour:
   * interior pages hold separators of at most a quarter page, and a separator must be longer
   * than the prefix two neighbours share. Checking both neighbours at insert time suffices: after
   * deletions, new neighbours share no more than the pairs they replace.
   */
  checkSize(entry: Uint8Array): void {
    if (entry.length > MAX_ENTRY) throw new HeliosError('INTERNAL', `storage: index key of ${entry.length} bytes exceeds the limit of ${MAX_ENTRY} bytes`);
    if (entry.length < this.maxSeparator) return;
    const lcp = (b: Uint8Array): number => {
      let n = 0;
      while (n < entry.length && n < b.length && entry[n] === b[n]) n++;
      return n;
    };
    const after = this.read({ from: entry, after: null, stop: null, reverse: false, max: 1 });
    const before = this.read({ from: entry, after: null, stop: null, reverse: true, max: 1 });
    for (const nb of [...after, ...before]) {
      const n = lcp(nb);
      if (n + 1 > this.maxSeparator) {
        throw new HeliosError('INTERNAL', `storage: index key shares its first ${n} bytes with another key in the index; the limit for ${this.store.pool.pageSize}-byte pages is ${this.maxSeparator - 1}`);
      }
    }
  }

  /** The page form of a new entry: whole, or a prefix plus a new overflow chain. */
  private localize(entry: Uint8Array): LocalEntry {
    if (entry.length <= this.fmt.maxLocal) return { local: entry, spilled: false };
    const first = writeChain(this.store, entry);
    const pl = this.fmt.prefixLen;
    const local = new Uint8Array(pl + 8);
    local.set(entry.subarray(0, pl));
    const dv = new DataView(local.buffer);
    dv.setUint32(pl, entry.length, true);
    dv.setUint32(pl + 4, first, true);
    return { local, spilled: true };
  }

  /** Inserts an entry; false when it is already present. */
  insert(entry: Uint8Array): boolean {
    if (entry.length > MAX_ENTRY) throw new HeliosError('INTERNAL', `storage: index key of ${entry.length} bytes exceeds the limit of ${MAX_ENTRY} bytes`);
    const path = this.tree.descend(entry);
    const o = path[path.length - 1]!.o;
    let le: LocalEntry;
    let i: number;
    try {
      i = this.fmt.lowerBound(o, entry);
      if (i < this.fmt.count(o) && this.fmt.compareAt(o, i, entry) === 0) {
        this.tree.release(path);
        return false;
      }
      le = this.localize(entry);
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.insertAt(path, i, le);
    return true;
  }

  /**
   * Inserts an entry of a UNIQUE index unless another entry has the same key parts
   * (`entry[0..prefixLen)`): one descent for the probe and the insert. Equal parts sit next to
   * each other, so the neighbours in the leaf decide; at a leaf edge the probe walks on.
   */
  insertUnique(entry: Uint8Array, prefixLen: number): 'inserted' | 'conflict' | 'present' {
    const path = this.tree.descend(entry);
    const o = path[path.length - 1]!.o;
    const f = this.fmt;
    let le: LocalEntry;
    let i: number;
    try {
      i = f.lowerBound(o, entry);
      const n = f.count(o);
      if (i < n && f.compareAt(o, i, entry) === 0) {
        this.tree.release(path);
        return 'present';
      }
      const prefix = entry.subarray(0, prefixLen);
      if ((i > 0 && f.startsWithAt(o, i - 1, prefix)) || (i < n && f.startsWithAt(o, i, prefix))) {
        this.tree.release(path);
        return 'conflict';
      }
      if (i === 0 || i === n) {
        // the neighbour that decides may be in the next or previous leaf
        this.tree.release(path);
        if (this.hasOther(entry, prefixLen)) return 'conflict';
        return this.insert(entry) ? 'inserted' : 'present';
      }
      le = this.localize(entry);
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.insertAt(path, i, le);
    return 'inserted';
  }

  /** Deletes an entry; false when absent. */
  delete(entry: Uint8Array): boolean {
    const path = this.tree.descend(entry);
    const o = path[path.length - 1]!.o;
    let i: number;
    try {
      i = this.fmt.lowerBound(o, entry);
      if (!(i < this.fmt.count(o) && this.fmt.compareAt(o, i, entry) === 0)) {
        this.tree.release(path);
        return false;
      }
      const le = this.fmt.entryAt(o, i);
      if (le.spilled) freeChain(this.store, this.fmt.chainOf(le));
    } catch (e) {
      this.tree.release(path);
      throw e;
    }
    this.version++;
    this.tree.removeAt(path, i);
    return true;
  }

  /**
   * Up to `max` entries. Forward: starting after `after` (exclusive) or at `from` (inclusive),
   * stopping before the first entry >= `stop`. Reverse: descending from the last entry below
   * `after` or `from` (both exclusive), stopping at the first entry < `stop`.
   */
  read(opts: { from: Uint8Array | null; after: Uint8Array | null; stop: Uint8Array | null; reverse: boolean; max: number }): Uint8Array[] {
    const out: Uint8Array[] = [];
    const pool = this.store.pool;
    const seekKey = opts.after ?? opts.from;
    const path = this.tree.descend(seekKey, opts.reverse ? 'last' : 'first');
    const leaf = path[path.length - 1]!;
    let frame = pool.fetch(this.store.owner, leaf.page);
    this.tree.release(path);
    let o = pool.offset(frame);
    const f = this.fmt;
    try {
      let i: number;
      if (!opts.reverse) {
        if (seekKey === null) i = 0;
        else {
          i = f.lowerBound(o, seekKey);
          if (opts.after && i < f.count(o) && f.compareAt(o, i, opts.after) === 0) i++;
        }
      } else if (seekKey === null) i = f.count(o) - 1;
      else i = f.lowerBound(o, seekKey) - 1;
      while (out.length < opts.max) {
        const n = f.count(o);
        if (!opts.reverse ? i >= n : i < 0) {
          const nx = opts.reverse ? f.prev(o) : f.next(o);
          pool.unpin(frame);
          frame = -1;
          if (nx === 0) break;
          frame = pool.fetch(this.store.owner, nx);
          o = pool.offset(frame);
          i = opts.reverse ? f.count(o) - 1 : 0;
          continue;
        }
        if (opts.stop) {
          const c = f.compareAt(o, i, opts.stop);
          if (!opts.reverse ? c >= 0 : c < 0) break;
        }
        out.push(f.keyAt(o, i));
        i += opts.reverse ? -1 : 1;
      }
    } finally {
      if (frame >= 0) pool.unpin(frame);
    }
    return out;
  }

  /**
   * True when an entry other than `entry` starts with `entry[0..prefixLen)` (the key parts):
   * the UNIQUE probe, done in place without copying entries out of pages.
   */
  hasOther(entry: Uint8Array, prefixLen: number): boolean {
    const prefix = entry.subarray(0, prefixLen);
    const pool = this.store.pool;
    const path = this.tree.descend(prefix);
    const leaf = path[path.length - 1]!;
    let frame = pool.fetch(this.store.owner, leaf.page);
    this.tree.release(path);
    const f = this.fmt;
    try {
      let o = pool.offset(frame);
      let i = f.lowerBound(o, prefix);
      for (let seen = 0; seen < 2; ) {
        if (i >= f.count(o)) {
          const nx = f.next(o);
          pool.unpin(frame);
          frame = -1;
          if (nx === 0) return false;
          frame = pool.fetch(this.store.owner, nx);
          o = pool.offset(frame);
          i = 0;
          continue;
        }
        if (!f.startsWithAt(o, i, prefix)) return false;
        if (!f.sameBytesAt(o, i, prefixLen, entry)) return true;
        seen++;
        i++;
      }
      return false;
    } finally {
      if (frame >= 0) pool.unpin(frame);
    }
  }

  /** Overflow pages of spilled entries, by visiting every leaf (destroy, check). */
  spilledChains(): number[] {
    const pool = this.store.pool;
    const firsts: number[] = [];
    for (const pg of this.tree.pages()) {
      const f = pool.fetch(this.store.owner, pg);
      const o = pool.offset(f);
      try {
        if (pool.bytes[o + 4] !== PageType.INDEX_LEAF) continue;
        for (const e of this.fmt.all(o)) if (e.spilled) firsts.push(this.fmt.chainOf(e));
      } finally {
        pool.unpin(f);
      }
    }
    return firsts;
  }

  chainPagesOf(first: number): number[] {
    return chainPages(this.store, first);
  }

  destroy(): void {
    this.tree.invalidate();
    for (const first of this.spilledChains()) freeChain(this.store, first);
    for (const pg of this.tree.pages()) this.store.freePage(pg);
  }
}

export { compareBytes, startsWith };
