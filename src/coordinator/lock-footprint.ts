/**
 * The lock footprint of one statement, derived from its parse and the router's plan BEFORE it
 * runs (the router acquires the whole footprint, then executes; docs/transactions.md, "Locks"):
 *
 *   point statement (the shard key bound by equality)  IS/IX partition, IS/IX table, S/X key value
 *   INSERT with planned rows (no source query)         IX partition, IX table, X each row's key value
 *   any other read (fan-out, join, subquery)           S on every table read, on every partition
 *   any other write (scan-update, central, INSERT … SELECT, OR REPLACE / upsert)
 *                                                       X on the written table everywhere, S on those read
 *   a table with triggers, DDL, VACUUM                 X on every partition
 *   PRAGMA (runs on partition 0)                       X on partition 0
 *
 * Table-level S on every partition is what stops phantoms: a writer of the table needs IX there.
 * A statement that cannot be planned yet (a table created earlier in the same batch) takes X on
 * every partition: coarse, always correct.
 */
import type { Statement } from '../sql/ast.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
import type { PlannedRow, Params } from '../sql/index.js';
import { canonicalKey } from './partition-hash.js';
import { hasSubquery, pointKey, rowKey, rowPartition, tablesOf, type ShardKey } from './route-analysis.js';
import { hasTriggers } from './central-write.js';
import { Footprint } from './txn/locks.js';
import { partitionOf } from './partition-hash.js';

export interface FootprintContext {
  readonly catalog: Catalog;
  readonly partitions: number;
  keyOf(t: TableInfo): ShardKey;
  /** Whether an UPDATE/DELETE binding its shard key stays a point write (not central, no global UNIQUE check). */
  pointWrite(s: Extract<Statement, { kind: 'update' | 'delete' }>, t: TableInfo): boolean;
  /** Whether a write to `t` must check UNIQUE indexes across partitions (global-unique.ts). */
  hasGlobalUnique(t: TableInfo): boolean;
}

const DDL = new Set(['createTable', 'createIndex', 'createView', 'createTrigger', 'drop', 'alterTable', 'vacuum']);

/** Every partition in X. */
export function exclusiveAll(partitions: number): Footprint {
  const fp = new Footprint();
  for (let p = 0; p < partitions; p++) fp.partition(p);
  return fp;
}

/**
 * The footprint of `s` (parsed from a statement with `params`). `rows`: an INSERT's planned rows
 * when the router planned them; `planned` false when the statement could not be planned.
 */
export function statementFootprint(ctx: FootprintContext, s: Statement, params: Params, rows: readonly PlannedRow[] | undefined, planned = true): Footprint {
  const fp = new Footprint();
  const n = ctx.partitions;
  const cat = ctx.catalog;
  if (DDL.has(s.kind) || !planned) return exclusiveAll(n);
  if (s.kind === 'pragma') return fp.partition(0);
  const readAll = (tables: Iterable<string>, except?: string): void => {
    for (const t of tables) if (t !== except) for (let p = 0; p < n; p++) fp.table(p, t, false);
  };
  const writeAll = (t: string): void => {
    for (let p = 0; p < n; p++) fp.table(p, t, true);
  };
  if (s.kind === 'select') {
    const core = s.cores[0];
    const from = core?.from;
    if (!s.with && s.cores.length === 1 && from?.kind === 'table' && !hasSubquery(s)) {
      const t = cat.table(from.name);
      if (t) {
        const k = pointKey(core!.where, t, from.alias ?? t.name, ctx.keyOf(t), params);
        if (k !== undefined) return fp.key(k === null ? 0 : partitionOf(k, n), t.name, canonicalKey(k), false);
      }
    }
    readAll(tablesOf(s, cat));
    return fp;
  }
  if (s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete') {
    const t = cat.table(s.table);
    if (!t) return fp; // fails when it runs (no such table / a view)
    if (hasTriggers(t)) return exclusiveAll(n);
    const key = ctx.keyOf(t);
    readAll(tablesOf(s, cat), t.name);
    if (s.kind === 'insert') {
      const replaces = s.or === 'REPLACE' || s.upsert.length > 0;
      // `rows`: the router planned every inserted row (VALUES, or a SELECT reading no table —
      // the parser keeps VALUES in `s.select` too), so only their keys are written.
      if (rows === undefined || replaces) {
        writeAll(t.name);
        return fp;
      }
      for (const r of rows) fp.key(rowPartition(key, r.rowid, r.row, n), t.name, canonicalKey(rowKey(key, r.rowid, r.row)), true);
      if (ctx.hasGlobalUnique(t)) readAll([t.name]); // the check scans every partition's table
      return fp;
    }
    const k = !ctx.pointWrite(s, t) ? undefined : pointKey(s.where, t, s.alias ?? t.name, key, params);
    if (k === undefined) writeAll(t.name);
    else fp.key(k === null ? 0 : partitionOf(k, n), t.name, canonicalKey(k), true);
    return fp;
  }
  return fp; // EXPLAIN, REINDEX, ANALYZE: no rows read or written
}
