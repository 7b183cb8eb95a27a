/**
 * The consistency checker (`Partition.check`, PRAGMA integrity_check): B-tree order and
 * structure, leaf sibling links, row counts, index entries against their table rows, overflow
 * chains, and page accounting (every page of the file is used by exactly one structure or free).
 * Throws INTERNAL naming the first damage found. Cost: a full read of the partition.
 */
import { HeliosError } from '../../errors.js';
import type { Value } from '../api.js';
import type { BTree } from '../btree/btree.js';
import { OVERFLOW_BIT } from '../btree/cell-codec.js';
import { compareBytes } from '../btree/interior-page.js';
import { overflowPages } from '../btree/overflow.js';
import { encodeEntry } from '../keys/key-codec.js';
import type { PagedPartition } from './partition.js';

function cmp(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, 0, a.length, b);
}

/** Walks a tree; returns its pages and its leaf entries' separators in order. */
function checkTree<E>(tree: BTree<E>, what: string, onLeaf: (o: number) => void): { pages: number[]; keys: Uint8Array[] } {
  const fail = (m: string): never => {
    throw new HeliosError('INTERNAL', `integrity check: ${what}: ${m}`);
  };
  const pages: number[] = [];
  const keys: Uint8Array[] = [];
  const leaves: number[] = [];
  let leafDepth = -1;
  const walk = (pg: number, lo: Uint8Array | null, hi: Uint8Array | null, depth: number): void => {
    if (depth > 64) fail('tree deeper than 64');
    pages.push(pg);
    const s = tree.pin(pg);
    let kids: { pg: number; lo: Uint8Array | null; hi: Uint8Array | null }[] = [];
    try {
      if (tree.isLeaf(s.o)) {
        if (leafDepth === -1) leafDepth = depth;
        else if (leafDepth !== depth) fail(`leaf ${pg} at depth ${depth}, others at ${leafDepth}`);
        leaves.push(pg);
        for (const e of tree.leaf.all(s.o)) {
          const k = tree.leaf.keyOf(e);
          if (lo && cmp(k, lo) < 0) fail(`leaf ${pg} holds a key below its parent's bound`);
          if (hi && cmp(k, hi) >= 0) fail(`leaf ${pg} holds a key at or above its parent's bound`);
          if (keys.length > 0 && cmp(keys[keys.length - 1]!, k) >= 0) fail(`keys out of order at leaf ${pg}`);
          keys.push(k);
        }
        onLeaf(s.o);
        return;
      }
      const c = tree.interior.content(s.o);
      if (c.keys.length === 0) fail(`interior page ${pg} has no keys`);
      for (let i = 0; i < c.keys.length; i++) {
        if (i > 0 && cmp(c.keys[i - 1]!, c.keys[i]!) >= 0) fail(`interior page ${pg} keys out of order`);
        if (lo && cmp(c.keys[i]!, lo) < 0) fail(`interior page ${pg} key below bound`);
        if (hi && cmp(c.keys[i]!, hi) >= 0) fail(`interior page ${pg} key above bound`);
      }
      kids = c.children.map((child, i) => ({ pg: child, lo: i === 0 ? lo : c.keys[i - 1]!, hi: i === c.keys.length ? hi : c.keys[i]! }));
    } finally {
      tree.store.pool.unpin(s.frame);
    }
    for (const k of kids) walk(k.pg, k.lo, k.hi, depth + 1);
  };
  walk(tree.root, null, null, 0);
  for (let i = 0; i < leaves.length; i++) {
    const s = tree.pin(leaves[i]!);
    const next = tree.leaf.next(s.o);
    const prev = tree.leaf.prev(s.o);
    tree.store.pool.unpin(s.frame);
    if (next !== (leaves[i + 1] ?? 0)) fail(`leaf ${leaves[i]} next link ${next}, expected ${leaves[i + 1] ?? 0}`);
    if (prev !== (leaves[i - 1] ?? 0)) fail(`leaf ${leaves[i]} prev link ${prev}, expected ${leaves[i - 1] ?? 0}`);
  }
  return { pages, keys };
}

export function checkPartition(p: PagedPartition): void {
  const owners = new Map<number, string>();
  const claim = (pg: number, what: string): void => {
    const prev = owners.get(pg);
    if (prev !== undefined) throw new HeliosError('INTERNAL', `integrity check: page ${pg} used by both ${prev} and ${what}`);
    owners.set(pg, what);
  };
  const pool = p.pool;
  for (const t of p.catalog.tables.values()) {
    const what = `table ${t.id}`;
    const refs: Uint8Array[] = [];
    const { pages, keys } = checkTree(t.tree.tree, what, (o) => {
      const l = t.tree.fmt.layoutOf(o);
      const n = t.tree.fmt.count(o);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < t.columns.length; c++) {
          const at = t.tree.fmt.locate(o, l, i, c);
          if (at >= 0 && pool.bytes[at]! & OVERFLOW_BIT) refs.push(pool.bytes.slice(at, at + 9));
        }
      }
    });
    for (const pg of pages) claim(pg, what);
    for (const r of refs) for (const pg of overflowPages(p.store, r)) claim(pg, `${what} overflow`);
    if (keys.length !== t.rows) throw new HeliosError('INTERNAL', `integrity check: ${what} holds ${keys.length} rows, its count says ${t.rows}`);
    for (const ix of t.indexes) {
      const iw = `index ${ix.id}`;
      const r = checkTree(ix.tree.tree, iw, () => {});
      for (const pg of r.pages) claim(pg, iw);
      for (const first of ix.tree.spilledChains()) for (const pg of ix.tree.chainPagesOf(first)) claim(pg, `${iw} overflow`);
      if (ix.partial && !ix.predicate) continue;
      let expected = 0;
      const mine = new Set(r.keys.map((k) => Buffer.from(k).toString('hex')));
      const cur = t.tree;
      for (const k of keys) {
        const rowid = BigInt.asIntN(64, Buffer.from(k).readBigUInt64BE(0) ^ (1n << 63n));
        const row = cur.get(rowid)!;
        if (ix.predicate && !ix.predicate(row)) continue;
        expected++;
        const e = encodeEntry(ix.parts.map((pt) => row[pt.column] as Value), ix.parts, rowid).entry;
        if (!mine.has(Buffer.from(e).toString('hex'))) throw new HeliosError('INTERNAL', `integrity check: ${iw} lacks the entry for rowid ${rowid} of table ${t.id}`);
      }
      if (expected !== r.keys.length) throw new HeliosError('INTERNAL', `integrity check: ${iw} holds ${r.keys.length} entries, table ${t.id} implies ${expected}`);
    }
  }
  for (const pg of p.pager.catalogPages()) claim(pg, 'catalog');
  for (let pg = 1; pg < p.pager.pageCount; pg++) {
    if (p.pager.isFree(pg)) claim(pg, 'free list');
    else if (!owners.has(pg)) throw new HeliosError('INTERNAL', `integrity check: page ${pg} of '${p.pager.file}' is neither used nor free (leaked)`);
  }
}
