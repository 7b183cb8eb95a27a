/**
 * ORDER BY across partitions: each partition returns its rows already sorted (and cut to the
 * first LIMIT+OFFSET) by the query's own ORDER BY, with every sort key as a column of the row;
 * the coordinator merges the sorted lists with the engine's own ORDER BY comparison (`compareByKeys`), so the order,
 * the collations and where NULLs go are the engine's (SQLite's), then applies OFFSET and LIMIT.
 *
 * The one thing read off the AST here is each sort term's collation, since the merge has only
 * values: {@link termCollation} knows the cases that are certain (a column, an explicit COLLATE
 * at the top, an expression whose columns are all BINARY and that has no COLLATE anywhere) and
 * answers null otherwise — the caller then takes a path that does not merge.
 */
import type { Value } from '../storage/api.js';
import type { Expr } from '../sql/ast.js';
import type { CollationName } from '../sql/value.js';
import { compareByKeys, type SortKey } from '../sql/index.js';
import { collationOf } from '../sql/catalog.js';
import type { ColumnRef } from './join-shape.js';

/** One sort key: the row position holding its value, and the engine's comparison (direction, NULLs, collation). */
export interface MergeKey extends SortKey {
  readonly index: number;
}

/**
 * The collation the engine sorts `e` by: an explicit top-level COLLATE, a column's own, or BINARY
 * when no column with another collation and no COLLATE occurs in it. Null when unsure (a column
 * that does not resolve, a nested COLLATE, a non-BINARY column inside an expression).
 */
export function termCollation(e: Expr, resolve: (e: Expr) => ColumnRef | null): CollationName | null {
  if (e.kind === 'collate') return collationOf(e.collation);
  if (e.kind === 'col') return resolve(e)?.coll ?? null;
  return plainOk(e, resolve) ? 'BINARY' : null;
}

/** No COLLATE inside, and every column resolves and is BINARY-collated. */
function plainOk(e: Expr, resolve: (e: Expr) => ColumnRef | null): boolean {
  let ok = true;
  const walk = (x: unknown): void => {
    if (!ok || x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
    if (Array.isArray(x)) { for (const y of x) walk(y); return; }
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'collate') { ok = false; return; }
    if (o['kind'] === 'col') {
      const r = resolve(o as unknown as Expr);
      if (!r || r.coll !== 'BINARY') ok = false;
      return;
    }
    for (const k in o) if (k !== 'start' && k !== 'end') walk(o[k]);
  };
  walk(e);
  return ok;
}

/**
 * Merges lists each sorted by `keys` into one sorted list of at most `limit` rows after skipping
 * `offset` (k-way merge over the lists' heads; ties keep list order, lists are few).
 */
export function mergeSorted(lists: readonly (readonly Value[][])[], keys: readonly MergeKey[], offset: number, limit: number): Value[][] {
  const pos = lists.map(() => 0);
  const idx = keys.map((k) => k.index);
  const out: Value[][] = [];
  let skipped = 0;
  while (out.length < limit) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (pos[i]! >= lists[i]!.length) continue;
      if (best < 0 || compareByKeys(lists[i]![pos[i]!]!, lists[best]![pos[best]!]!, keys, idx) < 0) best = i;
    }
    if (best < 0) break;
    const row = lists[best]![pos[best]!++]!;
    if (skipped < offset) skipped++;
    else out.push(row);
  }
  return out;
}
