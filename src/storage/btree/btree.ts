/**
 * The B+tree structure shared by tables and indexes: descent, splits, merges and
 * redistribution, root handling. What a leaf holds is the {@link LeafAdapter}'s business (PAX rows
 * or index keys); interior pages are always {@link InteriorFormat} with byte separators.
 *
 * Invariants: all leaves are at the same depth and doubly linked left to right; the root page
 * never moves (a root split moves its content into two new children; a root with one child takes
 * that child's content), so the catalog only records roots at DDL.
 *
 * Fill: a leaf split divides by bytes (half and half), except an append at the very end of the
 * tree, which leaves the full page full and starts a new one (rowid-ordered inserts then pack
 * pages ~100%). After a delete a page under half full merges with a sibling when both fit in one
 * page, else the two are rebalanced evenly.
 *
 * Every page an operation touches is pinned in the buffer pool until the operation ends.
 */
import { HeliosError, invariant } from '../../errors.js';
import type { BufferPool } from '../buffer/buffer-pool.js';
import { type InteriorContent, InteriorFormat } from './interior-page.js';

export interface PageStore {
  readonly pool: BufferPool;
  readonly owner: number;
  allocPage(): number;
  /** Frees a page (it must be unpinned): dropped from the pool, returned to the free list. */
  freePage(pageNo: number): void;
}

export interface LeafAdapter<E> {
  readonly leafType: number;
  readonly interiorType: number;
  init(o: number): void;
  count(o: number): number;
  next(o: number): number;
  prev(o: number): number;
  setNext(o: number, p: number): void;
  setPrev(o: number, p: number): void;
  all(o: number): E[];
  insertAt(o: number, i: number, e: E): boolean;
  removeAt(o: number, i: number): void;
  write(o: number, es: E[]): boolean;
  fits(es: readonly E[]): boolean;
  /** Bytes a page holding exactly `es` would have free (negative: does not fit). */
  roomFor(es: readonly E[]): number;
  usedBytes(o: number): number;
  entryBytes(e: E): number;
  /** A separator s with key(left) < s <= key(right) (as short as the format likes). */
  separator(left: E, right: E): Uint8Array;
  /** The separator for a new page holding just `e`, appended after the leaf at `o`. */
  appendSeparator(o: number, e: E): Uint8Array;
  /** The entry's complete key (for the consistency check). */
  keyOf(e: E): Uint8Array;
}

export interface PathStep {
  page: number;
  frame: number;
  o: number;
  /** For interior steps: the child index descended into. */
  idx: number;
}

export class BTree<E> {
  readonly interior: InteriorFormat;
  constructor(readonly store: PageStore, readonly leaf: LeafAdapter<E>, readonly root: number) {
    this.interior = new InteriorFormat(store.pool);
  }

  private get pool(): BufferPool {
    return this.store.pool;
  }

  pin(page: number): PathStep {
    const frame = this.pool.fetch(this.store.owner, page);
    return { page, frame, o: this.pool.offset(frame), idx: 0 };
  }

  /**
   * Bumped whenever pages join or leave the tree (splits, merges, root changes): hints that
   * remember a page (the table's append hint) are valid only while it is unchanged.
   */
  structVersion = 0;

  private fresh(): PathStep {
    this.structVersion++;
    const page = this.store.allocPage();
    const frame = this.pool.create(this.store.owner, page);
    return { page, frame, o: this.pool.offset(frame), idx: 0 };
  }

  isLeaf(o: number): boolean {
    const t = this.pool.bytes[o + 4];
    if (t === this.leaf.leafType) return true;
    if (t === this.leaf.interiorType) return false;
    throw new HeliosError('INTERNAL', `storage corruption: page at frame offset ${o} has type ${t} inside a B-tree`);
  }

  /** Creates an empty tree: a root leaf on a new page. */
  static createRoot(store: PageStore, init: (o: number) => void): number {
    const page = store.allocPage();
    const frame = store.pool.create(store.owner, page);
    init(store.pool.offset(frame));
    store.pool.unpin(frame);
    return page;
  }

  /** Root-to-leaf path for `key` (every step pinned; release with {@link release}). */
  descend(key: Uint8Array | null, edge: 'first' | 'last' = 'first'): PathStep[] {
    const path: PathStep[] = [];
    let step = this.pin(this.root);
    for (let depth = 0; ; depth++) {
      path.push(step);
      if (this.isLeaf(step.o)) return path;
      if (depth > 64) {
        this.release(path);
        throw new HeliosError('INTERNAL', `storage corruption: B-tree rooted at page ${this.root} is deeper than 64 (a cycle?)`);
      }
      const idx = key === null ? (edge === 'first' ? 0 : this.interior.count(step.o)) : this.interior.childIndexFor(step.o, key);
      step.idx = idx;
      step = this.pin(this.interior.child(step.o, idx));
    }
  }

  release(path: readonly PathStep[]): void {
    for (const s of path) if (s.frame >= 0) this.pool.unpin(s.frame);
  }

  private dirty(s: PathStep): void {
    this.pool.markDirty(s.frame);
  }

  /** Inserts `e` at slot i of the path's leaf, splitting as needed; releases the path. */
  insertAt(path: PathStep[], i: number, e: E): void {
    const extra: PathStep[] = [];
    try {
      const leaf = path[path.length - 1]!;
      const L = this.leaf;
      this.dirty(leaf);
      const n = L.count(leaf.o);
      if (L.insertAt(leaf.o, i, e)) return;
      if (i === n && n > 0 && L.next(leaf.o) === 0 && path.length > 1) {
        // Append past the end of the tree: the full page stays as it is (no rewrite), the new
        // entry starts the next page. Rowid-ordered loads pack pages full this way.
        const r = this.fresh();
        extra.push(r);
        L.init(r.o);
        this.mustWrite(r.o, [e]);
        L.setPrev(r.o, leaf.page);
        L.setNext(leaf.o, r.page);
        this.insertInterior(path, path.length - 2, L.appendSeparator(leaf.o, e), r.page, extra);
        return;
      }
      const es = L.all(leaf.o);
      es.splice(i, 0, e);
      // Rewrite in place (compacting the heap, re-choosing the PAX capacity) only when that
      // leaves real room; a page that is merely full splits (no rewrite per insert near full).
      if (L.roomFor(es) >= this.pool.pageSize >> 4 && L.write(leaf.o, es)) return;
      // split
      const k = this.splitPoint(es);
      const left = es.slice(0, k);
      const right = es.slice(k);
      const sep = L.separator(left[left.length - 1]!, right[0]!);
      if (path.length === 1) {
        const a = this.fresh();
        const b = this.fresh();
        extra.push(a, b);
        L.init(a.o);
        L.init(b.o);
        this.mustWrite(a.o, left);
        this.mustWrite(b.o, right);
        L.setNext(a.o, b.page);
        L.setPrev(b.o, a.page);
        this.interior.init(leaf.o, L.interiorType);
        this.pool.dv.setUint32(leaf.o + 12, a.page, true);
        this.interior.insertKey(leaf.o, 0, sep, b.page);
        return;
      }
      const r = this.fresh();
      extra.push(r);
      L.init(r.o);
      const oldNext = L.next(leaf.o);
      this.mustWrite(leaf.o, left);
      this.mustWrite(r.o, right);
      L.setNext(r.o, oldNext);
      L.setPrev(r.o, leaf.page);
      L.setNext(leaf.o, r.page);
      if (oldNext !== 0) {
        const nx = this.pin(oldNext);
        extra.push(nx);
        L.setPrev(nx.o, r.page);
        this.dirty(nx);
      }
      this.insertInterior(path, path.length - 2, sep, r.page, extra);
    } finally {
      this.release(path);
      this.release(extra);
    }
  }

  private mustWrite(o: number, es: E[]): void {
    if (!this.leaf.write(o, es)) throw new HeliosError('INTERNAL', 'assertion failed: split half does not fit a page');
  }

  private splitPoint(es: readonly E[]): number {
    let total = 0;
    for (const e of es) total += this.leaf.entryBytes(e);
    let acc = 0;
    let k = 0;
    while (k < es.length - 1 && acc + this.leaf.entryBytes(es[k]!) <= total / 2) acc += this.leaf.entryBytes(es[k++]!);
    k = Math.max(1, k);
    while (k > 1 && !this.leaf.fits(es.slice(0, k))) k--;
    while (k < es.length - 1 && !this.leaf.fits(es.slice(k))) k++;
    return k;
  }

  private insertInterior(path: PathStep[], level: number, key: Uint8Array, right: number, extra: PathStep[]): void {
    const node = path[level]!;
    const I = this.interior;
    this.dirty(node);
    if (I.insertKey(node.o, node.idx, key, right)) return;
    const c = I.content(node.o);
    c.keys.splice(node.idx, 0, key);
    c.children.splice(node.idx + 1, 0, right);
    if (I.write(node.o, c)) return;
    const mid = c.keys.length >> 1;
    const up = c.keys[mid]!;
    const lc: InteriorContent = { keys: c.keys.slice(0, mid), children: c.children.slice(0, mid + 1) };
    const rc: InteriorContent = { keys: c.keys.slice(mid + 1), children: c.children.slice(mid + 1) };
    const type = this.pool.bytes[node.o + 4]!;
    if (level === 0) {
      const a = this.fresh();
      const b = this.fresh();
      extra.push(a, b);
      I.init(a.o, type);
      I.init(b.o, type);
      invariant(I.write(a.o, lc) && I.write(b.o, rc), 'interior split halves fit');
      I.init(node.o, type);
      this.pool.dv.setUint32(node.o + 12, a.page, true);
      I.insertKey(node.o, 0, up, b.page);
      return;
    }
    const r = this.fresh();
    extra.push(r);
    I.init(r.o, type);
    invariant(I.write(node.o, lc) && I.write(r.o, rc), 'interior split halves fit');
    this.insertInterior(path, level - 1, up, r.page, extra);
  }

  /** Removes slot i of the path's leaf and rebalances; releases the path. */
  removeAt(path: PathStep[], i: number): void {
    const extra: PathStep[] = [];
    try {
      const leaf = path[path.length - 1]!;
      this.leaf.removeAt(leaf.o, i);
      this.dirty(leaf);
      this.rebalance(path, path.length - 1, extra);
    } finally {
      this.release(path);
      this.release(extra);
      this.freePending();
    }
  }

  private used(o: number, isLeaf: boolean): number {
    return isLeaf ? this.leaf.usedBytes(o) : this.interior.usedBytes(o);
  }

  private rebalance(path: PathStep[], level: number, extra: PathStep[]): void {
    const node = path[level]!;
    const isLeaf = level === path.length - 1;
    const I = this.interior;
    if (level === 0) {
      if (!isLeaf && I.count(node.o) === 0) this.collapseRoot(node, extra);
      return;
    }
    if (this.used(node.o, isLeaf) >= this.pool.pageSize / 2) return;
    const parent = path[level - 1]!;
    const ci = parent.idx;
    const pn = I.count(parent.o);
    if (pn === 0) return;
    const leftIdx = ci < pn ? ci : ci - 1;
    const sib = this.pin(I.child(parent.o, ci < pn ? ci + 1 : ci - 1));
    extra.push(sib);
    const left = ci < pn ? node : sib;
    const right = ci < pn ? sib : node;
    if (isLeaf) {
      const L = this.leaf;
      const a = L.all(left.o);
      const b = L.all(right.o);
      const all = a.concat(b);
      if (L.fits(all)) {
        this.mustWrite(left.o, all);
        const nn = L.next(right.o);
        L.setNext(left.o, nn);
        if (nn !== 0) {
          const nx = this.pin(nn);
          extra.push(nx);
          L.setPrev(nx.o, left.page);
          this.dirty(nx);
        }
        this.dirty(left);
        this.dropPage(right, extra);
        I.removeKey(parent.o, leftIdx);
        this.dirty(parent);
        this.rebalance(path, level - 1, extra);
        return;
      }
      const k = this.splitPoint(all);
      const sep = L.separator(all[k - 1]!, all[k]!);
      const pc = I.content(parent.o);
      pc.keys[leftIdx] = sep;
      if (!I.fits(pc)) return;
      this.mustWrite(left.o, all.slice(0, k));
      this.mustWrite(right.o, all.slice(k));
      I.write(parent.o, pc);
      this.dirty(left);
      this.dirty(right);
      this.dirty(parent);
      return;
    }
    const lc = I.content(left.o);
    const rc = I.content(right.o);
    const merged: InteriorContent = {
      keys: [...lc.keys, I.key(parent.o, leftIdx), ...rc.keys],
      children: [...lc.children, ...rc.children],
    };
    if (!I.fits(merged)) return;
    I.write(left.o, merged);
    this.dirty(left);
    this.dropPage(right, extra);
    I.removeKey(parent.o, leftIdx);
    this.dirty(parent);
    this.rebalance(path, level - 1, extra);
  }

  /** Frees a page once the operation has released its pins (it may be pinned more than once). */
  private dropPage(s: PathStep, _extra: PathStep[]): void {
    this.structVersion++;
    this.pendingFree.push(s.page);
  }
  private pendingFree: number[] = [];

  private freePending(): void {
    const pages = this.pendingFree;
    this.pendingFree = [];
    for (const pg of pages) this.store.freePage(pg);
  }

  private collapseRoot(root: PathStep, extra: PathStep[]): void {
    const childPage = this.interior.child(root.o, 0);
    const c = this.pin(childPage);
    extra.push(c);
    this.pool.bytes.copyWithin(root.o, c.o, c.o + this.pool.pageSize);
    this.dirty(root);
    if (this.isLeaf(root.o)) {
      this.leaf.setNext(root.o, 0);
      this.leaf.setPrev(root.o, 0);
    }
    this.dropPage(c, extra);
  }

  /** Called before the tree's pages are freed wholesale (drop). */
  invalidate(): void {
    this.structVersion++;
  }

  /** Every page of the tree, root included (for drop, check and vacuum accounting). */
  pages(): number[] {
    const out: number[] = [];
    const walk = (pg: number, depth: number): void => {
      if (depth > 64) throw new HeliosError('INTERNAL', `storage corruption: B-tree rooted at ${this.root} has a cycle`);
      out.push(pg);
      const s = this.pin(pg);
      try {
        if (this.isLeaf(s.o)) return;
        const n = this.interior.count(s.o);
        const kids: number[] = [];
        for (let i = 0; i <= n; i++) kids.push(this.interior.child(s.o, i));
        this.pool.unpin(s.frame);
        s.frame = -1;
        for (const k of kids) walk(k, depth + 1);
      } finally {
        if (s.frame >= 0) this.pool.unpin(s.frame);
      }
    };
    walk(this.root, 0);
    return out;
  }
}
