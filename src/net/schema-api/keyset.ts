/**
 * order_by parsing (AIP-132) and keyset pagination for List.
 *
 * A page is `SELECT … ORDER BY k1, …, kn LIMIT page_size + 1`, where k1… are the order_by
 * columns followed by the primary key (or `rowid` when the table has none) as a tie-breaker, so
 * the order is total. The next page starts strictly after the last row's key (k1…kn), which the
 * page token carries. Unlike OFFSET, a page costs what its rows cost (with a matching index) and
 * rows inserted or deleted behind the cursor neither repeat nor skip rows ahead of it.
 *
 * "Strictly after" in SQLite's order, where NULL sorts first ascending and last descending:
 *
 *     after(k, v)  ASC:  v NULL → k IS NOT NULL        else → k > v
 *                  DESC: v NULL → (nothing)            else → (k < v OR k IS NULL)
 *     same(k, v):        v NULL → k IS NULL            else → k = v
 *     (k1…kn) after (v1…vn)  =  OR over i of ( same(k1,v1) AND … AND same(k(i-1),v(i-1)) AND after(ki,vi) )
 *
 * Comparisons use each column's collation, as ORDER BY does, so the two agree.
 */
import { badRequest } from '../../errors.js';
import type { TableModel } from './api-model.js';
import { quoteIdent } from './sql-text.js';
import type { ApiValue } from './types.js';

export interface SortKey {
  /** The column name, or `rowid`. */
  column: string;
  desc: boolean;
}

/** The hidden result column that carries rowid for tables without a primary key. */
export const ROWID_ALIAS = '__heliosdb_rowid';

/** Parses `created_at desc, id` against the table's columns; BAD_REQUEST names what is wrong. */
export function parseOrderBy(m: TableModel, text: string): SortKey[] {
  const out: SortKey[] = [];
  if (text.trim() === '') return out;
  for (const [i, part] of text.split(',').entries()) {
    const words = part.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0 || words.length > 2) throw badRequest(`order_by: term ${i + 1} (${JSON.stringify(part.trim())}) must be "column" or "column desc"`);
    const col = m.columns.find((c) => c.name.toLowerCase() === words[0]!.toLowerCase());
    if (!col) throw badRequest(`order_by: no column ${JSON.stringify(words[0])} in ${m.pkg}`);
    const dir = (words[1] ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`order_by: ${JSON.stringify(words[1])} after ${col.name} must be asc or desc`);
    if (out.some((k) => k.column === col.name)) throw badRequest(`order_by: column ${col.name} appears twice`);
    out.push({ column: col.name, desc: dir === 'desc' });
  }
  return out;
}

/** The order_by keys plus the tie-breaker that makes the order total. */
export function sortKeys(m: TableModel, orderBy: SortKey[]): SortKey[] {
  const tie = m.pk ? m.pk.name : 'rowid';
  return orderBy.some((k) => k.column === tie) ? orderBy : [...orderBy, { column: tie, desc: false }];
}

/** The SQL expression of a key column in the table (`rowid` stays bare: quoted, it could name a column). */
export const keyExpr = (k: SortKey): string => (k.column === 'rowid' ? 'rowid' : quoteIdent(k.column));

/** The result column that holds a key's value. */
export const keyResultColumn = (k: SortKey): string => (k.column === 'rowid' ? ROWID_ALIAS : k.column);

/**
 * The keyset predicate "strictly after `last`", appending its parameters to `params` (numbered
 * from params.length + 1). Returns null when nothing can follow (the disjunction is empty).
 */
export function afterPredicate(keys: SortKey[], last: readonly ApiValue[], params: ApiValue[]): string | null {
  const bind = (v: ApiValue): string => {
    params.push(v);
    return `?${params.length}`;
  };
  const disjuncts: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = last[i]!;
    if (v === null && k.desc) continue; // nothing sorts after NULL descending
    const same = keys.slice(0, i).map((kj, j) => (last[j] === null ? `${keyExpr(kj)} IS NULL` : `${keyExpr(kj)} = ${bind(last[j]!)}`));
    const e = keyExpr(k);
    const after = v === null ? `${e} IS NOT NULL` : k.desc ? `(${e} < ${bind(v)} OR ${e} IS NULL)` : `${e} > ${bind(v)}`;
    disjuncts.push([...same, after].join(' AND '));
  }
  if (disjuncts.length === 0) return null;
  return disjuncts.length === 1 ? disjuncts[0]! : `(${disjuncts.map((d) => `(${d})`).join(' OR ')})`;
}
