/**
 * UNIQUE constraints across partitions. A partition's engine enforces a UNIQUE index over its
 * own rows only; an index that contains the shard key needs nothing more (equal keys mean equal
 * shard keys, so the same partition). For the other UNIQUE indexes ("global" here) the router
 * checks every write that can create a key, inside the write's transaction and under its locks
 * (lock-footprint.ts: S on the table on every partition, so no other writer of it runs meanwhile):
 *   - INSERT: before writing, probe every partition for the planned rows' keys (one `scan` with
 *     an OR of key equalities per partition) and compare the planned rows with each other;
 *   - UPDATE assigning an indexed column: after writing, read the index's columns from every
 *     partition and look for a key present in two partitions.
 * A conflict between rows of two partitions fails with SQL's own error (`UNIQUE constraint
 * failed: t.col`); INSERT OR IGNORE drops the row; OR REPLACE and ON CONFLICT … DO cannot act
 * on another partition's row and fail with a SQL_ERROR. Partial UNIQUE indexes (… WHERE) are
 * enforced per partition only. The cost: such writes are multi-partition operations.
 */
import { constraintError, sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { PlannedRow } from '../sql/index.js';
import type { IndexInfo, TableInfo } from '../sql/catalog.js';
import { printExpr } from '../sql/ast-printer.js';
import { asciiLower } from '../sql/value.js';
import { canonicalKey } from './partition-hash.js';
import type { ShardKey } from './route-analysis.js';

/** The UNIQUE indexes of `t` that a partition cannot enforce alone. */
export function globalUniqueIndexes(t: TableInfo, key: ShardKey): IndexInfo[] {
  const keyCol = key.column < 0 ? t.rowidColumn : key.column;
  return t.indexes.filter((ix) => ix.unique && !ix.where && !ix.parts.some((p) => p.column === keyCol));
}

/** The index key of a row (`row` = the table's columns), or null when a part is NULL (never conflicts). */
export function indexKey(ix: IndexInfo, row: readonly Value[]): Value[] | null {
  const k = ix.parts.map((p) => row[p.column]!);
  return k.some((v) => v === null) ? null : k;
}

/** A string equal for two keys exactly when the index calls them equal (collations folded, 1 = 1.0). */
export function keyString(ix: IndexInfo, k: readonly Value[]): string {
  return ix.parts.map((p, i) => {
    let v = k[i]!;
    if (typeof v === 'string') v = p.collation === 'nocase' ? asciiLower(v) : p.collation === 'rtrim' ? v.replace(/ +$/, '') : v;
    return canonicalKey(v);
  }).join('\u0000');
}

/** A WHERE clause matching rows whose key equals one of `keys` (with the index's collations). */
export function keysWhere(ix: IndexInfo, t: TableInfo, keys: readonly (readonly Value[])[]): string {
  const col = (i: number) => `"${t.columns[i]!.name.replace(/"/g, '""')}"`;
  return keys.map((k) => `(${ix.parts.map((p, i) => `(${col(p.column)} COLLATE ${p.collation.toUpperCase()}) = ${printExpr({ kind: 'lit', value: k[i]!, start: 0, end: 0 })}`).join(' AND ')})`).join(' OR ');
}

/** The SQL error for a key found in two partitions, worded as the engine words it. */
export function uniqueMessage(ix: IndexInfo, t: TableInfo): string {
  return `UNIQUE constraint failed: ${ix.parts.map((p) => `${t.name}.${t.columns[p.column]!.name}`).join(', ')}`;
}

/** Whether an UPDATE's SET list assigns a column of one of `indexes`. */
export function assignsIndexed(setColumns: readonly string[], t: TableInfo, indexes: readonly IndexInfo[]): boolean {
  const cols = new Set(indexes.flatMap((ix) => ix.parts.map((p) => t.columns[p.column]!.name.toLowerCase())));
  return setColumns.some((c) => cols.has(c.toLowerCase()));
}

/** How the checks reach the partitions (the router's transaction-aware scan). */
export interface UniqueProbe {
  readonly partitions: number;
  partitionOf(r: PlannedRow): number;
  /** Rows (`[rowid, ...columns]`) of the table passing `where` on partition p. */
  scan(p: number, where: string): Promise<Value[][]>;
}

/**
 * Before an INSERT writes: drops the rows OR IGNORE skips, and fails on a key another partition
 * holds or another planned row bound for another partition carries.
 */
export async function checkInsertUnique(t: TableInfo, indexes: readonly IndexInfo[], rows: PlannedRow[], probe: UniqueProbe, ignore: boolean, replaceOrUpsert: boolean): Promise<PlannedRow[]> {
  let kept = rows;
  for (const ix of indexes) {
    const keys = kept.map((r) => indexKey(ix, r.row));
    const wanted = keys.filter((k): k is Value[] => k !== null);
    if (wanted.length === 0) continue;
    const owner = new Map<string, Set<number>>(); // key → partitions holding it
    const note = (k: Value[], p: number) => {
      const ks = keyString(ix, k);
      let set = owner.get(ks);
      if (!set) owner.set(ks, (set = new Set()));
      set.add(p);
    };
    for (let i = 0; i < wanted.length; i += 200) {
      const where = keysWhere(ix, t, wanted.slice(i, i + 200));
      const found = await Promise.all([...Array(probe.partitions).keys()].map(async (p) => [p, await probe.scan(p, where)] as const));
      for (const [p, list] of found) for (const r of list) note(indexKey(ix, r.slice(1))!, p);
    }
    const out: PlannedRow[] = [];
    kept.forEach((r, i) => {
      const k = keys[i];
      const p = probe.partitionOf(r);
      const holders = k !== null ? owner.get(keyString(ix, k)) : undefined;
      if (holders !== undefined && [...holders].some((q) => q !== p)) {
        if (ignore) return;
        if (replaceOrUpsert) throw sqlError(`${uniqueMessage(ix, t)}: the conflicting row is on another partition, where OR REPLACE and ON CONFLICT cannot act on a partitioned database yet`);
        throw constraintError('unique', uniqueMessage(ix, t));
      }
      if (k !== null) note(k, p);
      out.push(r);
    });
    kept = out;
  }
  return kept;
}

/** After an UPDATE assigned an indexed column: fails when a key now lives in two partitions. */
export async function checkUpdatedUnique(t: TableInfo, indexes: readonly IndexInfo[], partitions: number, scan: UniqueProbe['scan']): Promise<void> {
  for (const ix of indexes) {
    const notNull = ix.parts.map((p) => `"${t.columns[p.column]!.name.replace(/"/g, '""')}" IS NOT NULL`).join(' AND ');
    const seen = new Map<string, number>(); // key → the partition holding it
    for (let p = 0; p < partitions; p++) {
      for (const r of await scan(p, notNull)) {
        const ks = keyString(ix, indexKey(ix, r.slice(1))!);
        const q = seen.get(ks);
        if (q !== undefined && q !== p) throw constraintError('unique', uniqueMessage(ix, t));
        seen.set(ks, p);
      }
    }
  }
}
