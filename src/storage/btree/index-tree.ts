/**
 * An index: a B+tree of encoded entries (keys/key-codec) in {@link IndexLeafFormat} leaves.
 * Entries are unique byte strings (they end in the rowid); the tree knows nothing of values.
 */
import { HeliosError } from '../../errors.js';
import { PageType } from '../pager/page-format.js';
import { BTree, type LeafAdapter, type PageStore } from './btree.js';
import { IndexLeafFormat } from './index-leaf.js';
import { compareBytes } from './interior-page.js';

function startsWith(a: Uint8Array, p: Uint8Array): boolean {
  if (a.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (a[i] !== p[i]) return false;
  return true;
}

export class IndexTree {
  readonly fmt: IndexLeafFormat;
  readonly tree: BTree<Uint8Array>;
  version = 0;
  /** Longest entry accepted: a quarter page keeps at least 4 entries per page. */
  readonly maxEntry: number;

  constructor(readonly store: PageStore, root: number) {
    const fmt = new IndexLeafFormat(store.pool);
    this.fmt = fmt;
    this.maxEntry = (store.pool.pageSize >> 2) - 8;
    const adapter: LeafAdapter<Uint8Array> = {
      leafType: PageType.INDEX_LEAF,
      interiorType: PageType.INDEX_INTERIOR,
      init: (o) => fmt.init(o),
      count: (o) => fmt.count(o),
      next: (o) => fmt.next(o),
      prev: (o) => fmt.prev(o),
      setNext: (o, p) => fmt.setNext(o, p),
      setPrev: (o, p) => fmt.setPrev(o, p),
      all: (o) => fmt.allKeys(o),
      insertAt: (o, i, e) => fmt.insertAt(o, i, e),
      removeAt: (o, i) => fmt.removeAt(o, i),
      write: (o, es) => fmt.write(o, es),
      fits: (es) => fmt.fits(es),
      roomFor: (es) => {
        let n = 24;
        for (const k of es) n += 4 + k.length;
        return store.pool.pageSize - n;
      },
      usedBytes: (o) => fmt.usedBytes(o),
      entryBytes: (e) => fmt.entryBytes(e),
      separator: (e) => e,
    };
    this.tree = new BTree(store, adapter, root);
  }

  static create(store: PageStore): number {
    const fmt = new IndexLeafFormat(store.pool);
    return BTree.createRoot(store, (o) => fmt.init(o));
  }

  get root(): number {
    return this.tree.root;
  }

  checkSize(entry: Uint8Array): void {
    if (entry.length > this.maxEntry) {
      throw new HeliosError('INTERNAL', `storage: index key of ${entry.length} bytes exceeds the limit of ${this.maxEntry} bytes for ${this.store.pool.pageSize}-byte pages`);
    }
  }

  /** Inserts an entry; false when it is already present. */
  insert(entry: Uint8Array): boolean {
    this.checkSize(entry);
    const path = this.tree.descend(entry);
    const o = path[path.length - 1]!.o;
    const i = this.fmt.lowerBound(o, entry);
    if (i < this.fmt.count(o) && this.fmt.compareAt(o, i, entry) === 0) {
      this.tree.release(path);
      return false;
    }
    this.version++;
    this.tree.insertAt(path, i, entry);
    return true;
  }

  /** Deletes an entry; false when absent. */
  delete(entry: Uint8Array): boolean {
    const path = this.tree.descend(entry);
    const o = path[path.length - 1]!.o;
    const i = this.fmt.lowerBound(o, entry);
    if (!(i < this.fmt.count(o) && this.fmt.compareAt(o, i, entry) === 0)) {
      this.tree.release(path);
      return false;
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

  /** Entries whose encoded parts start with `prefix` (at most `max`). */
  withPrefix(prefix: Uint8Array, max: number): Uint8Array[] {
    const got = this.read({ from: prefix, after: null, stop: null, reverse: false, max });
    const out: Uint8Array[] = [];
    for (const e of got) {
      if (!startsWith(e, prefix)) break;
      out.push(e);
    }
    return out;
  }

  destroy(): void {
    this.tree.invalidate();
    for (const pg of this.tree.pages()) this.store.freePage(pg);
  }
}

export { compareBytes, startsWith };
