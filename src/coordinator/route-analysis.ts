/**
 * What the router needs to know of a parsed statement, read off the AST (no execution): the
 * base tables it reads (views expanded), whether it holds a subquery, the shard key of a table,
 * and whether a WHERE clause binds that key by equality to a literal or a parameter (the
 * single-partition case). Pure functions over `src/sql`'s AST and catalog.
 */
import { sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { Expr, Statement } from '../sql/ast.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
import { applyAffinity, type Affinity } from '../sql/value.js';
import { partitionOf } from './partition-hash.js';

type Params = Value[] | Record<string, Value>;

/** A table's shard key: the rowid (-1) or a column index. */
export interface ShardKey {
  readonly column: number;
  readonly aff: Affinity;
  /** Equality on the key may route to one partition (false for NOCASE/RTRIM text keys). */
  readonly routable: boolean;
}

/** The shard key of `t` given `[schema.shard_keys]` (table name → column name, any case). */
export function shardKeyOf(t: TableInfo, shardKeys: Readonly<Record<string, string>>): ShardKey {
  const name = lookup(shardKeys, t.name);
  if (name === undefined) return { column: -1, aff: 'integer', routable: true };
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
  if (i < 0) throw sqlError(`[schema.shard_keys] names column ${name} for table ${t.name}, which has no such column`);
  if (i === t.rowidColumn) return { column: -1, aff: 'integer', routable: true };
  const c = t.columns[i]!;
  return { column: i, aff: c.aff, routable: c.coll === 'BINARY' };
}

function lookup(m: Readonly<Record<string, string>>, table: string): string | undefined {
  const direct = Object.prototype.hasOwnProperty.call(m, table) ? m[table] : undefined;
  if (direct !== undefined) return direct;
  const lower = table.toLowerCase();
  for (const k of Object.keys(m)) if (k.toLowerCase() === lower) return m[k];
  return undefined;
}

/** The partition of a row, from its rowid and (affinity-applied) values. */
export function rowPartition(key: ShardKey, rowid: bigint, row: readonly Value[], partitions: number): number {
  return partitionOf(key.column < 0 ? rowid : row[key.column]!, partitions);
}

/** Every base table a statement reads or writes (views expanded, CTE names that are not tables ignored). */
export function tablesOf(node: unknown, catalog: Catalog, out = new Set<string>(), seenViews = new Set<string>()): Set<string> {
  walk(node, (n) => {
    const name = (n.kind === 'table' && typeof n['name'] === 'string') ? n['name'] as string
      : (n.kind === 'in' && typeof n['table'] === 'string') ? n['table'] as string : undefined;
    if (name === undefined) return;
    const lower = name.toLowerCase();
    const t = catalog.table(name);
    if (t) out.add(t.name);
    const v = catalog.views.get(lower);
    if (v && !seenViews.has(lower)) {
      seenViews.add(lower);
      tablesOf(v.select, catalog, out, seenViews);
    }
  });
  return out;
}

/** Whether the node holds a subquery (scalar, EXISTS, IN (SELECT …), IN table) anywhere. */
export function hasSubquery(node: unknown): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.kind === 'subquery' || n.kind === 'exists' || (n.kind === 'in' && (n['select'] !== undefined || n['table'] !== undefined))) found = true;
  });
  return found;
}

function walk(node: unknown, visit: (n: { kind: string } & Record<string, unknown>) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) { for (const x of node) walk(x, visit); return; }
  if (node instanceof Uint8Array) return;
  const o = node as Record<string, unknown>;
  if (typeof o['kind'] === 'string') visit(o as { kind: string } & Record<string, unknown>);
  for (const k in o) if (k !== 'start' && k !== 'end') walk(o[k], visit);
}

const ROWID_NAMES = ['rowid', 'oid', '_rowid_'];

/** Whether a column reference names the shard key of `t` (seen as `alias`). */
export function isKeyColumn(e: Expr, t: TableInfo, alias: string, key: ShardKey): boolean {
  if (e.kind !== 'col') return false;
  if (e.table !== undefined && e.table.toLowerCase() !== alias.toLowerCase()) return false;
  const n = e.name.toLowerCase();
  const ci = t.columns.findIndex((c) => c.name.toLowerCase() === n);
  if (key.column >= 0) return ci === key.column;
  if (ci >= 0) return ci === t.rowidColumn;
  return ROWID_NAMES.includes(n);
}

/** A parameter's bound value (positional or named), normalised as the engine binds it. */
export function paramValue(e: Extract<Expr, { kind: 'param' }>, params: Params): Value | undefined {
  let v: unknown;
  if (Array.isArray(params)) v = params[e.index - 1];
  else if (e.name !== undefined) {
    const bare = e.name.slice(1);
    v = e.name in params ? params[e.name] : params[bare];
  }
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return v as Value | undefined;
}

/**
 * The one partition a WHERE clause confines `t` to: a top-level AND conjunct `key = value` with
 * a literal or bound parameter. Null when there is none (the statement fans out).
 */
export function pointPartition(where: Expr | undefined, t: TableInfo, alias: string, key: ShardKey, params: Params, partitions: number): number | null {
  const k = pointKey(where, t, alias, key, params);
  if (k === undefined) return null;
  return k === null ? 0 : partitionOf(k, partitions); // `key = NULL` matches no row anywhere
}

/**
 * The shard-key value a WHERE clause binds by equality (affinity applied, as the partition hash
 * and the lock on that value see it), null for `key = NULL`, undefined when there is none.
 */
export function pointKey(where: Expr | undefined, t: TableInfo, alias: string, key: ShardKey, params: Params): Value | undefined {
  if (!where || !key.routable) return undefined;
  const conjuncts: Expr[] = [];
  const split = (e: Expr): void => {
    if (e.kind === 'binary' && e.op.toUpperCase() === 'AND') { split(e.left); split(e.right); } else conjuncts.push(e);
  };
  split(where);
  for (const c of conjuncts) {
    if (c.kind !== 'binary' || (c.op !== '=' && c.op !== '==')) continue;
    for (const [col, val] of [[c.left, c.right], [c.right, c.left]] as const) {
      if (!isKeyColumn(col, t, alias, key)) continue;
      let v: Value | undefined;
      if (val.kind === 'lit') v = val.value;
      else if (val.kind === 'param') v = paramValue(val, params);
      if (v === undefined) continue;
      return v === null ? null : applyAffinity(v, key.aff);
    }
  }
  return undefined;
}

/** A row's shard-key value (the rowid, or the key column's affinity-applied value). */
export function rowKey(key: ShardKey, rowid: bigint, row: readonly Value[]): Value {
  return key.column < 0 ? rowid : row[key.column]!;
}

/** Whether an UPDATE assigns the shard key of `t` (rejected: rows do not move between partitions). */
export function updatesKey(s: Extract<Statement, { kind: 'update' }>, t: TableInfo, key: ShardKey): boolean {
  return s.set.some((st) => st.columns.some((c) => isKeyColumn({ kind: 'col', name: c, start: 0, end: 0 }, t, t.name, key)));
}

/**
 * A copy of an AST node with every parameter replaced by its bound value as a literal, for SQL
 * the router sends on without the request's parameters. Null when a parameter is unbound.
 */
export function inlineParams<T>(node: T, params: Params): T | null {
  let missing = false;
  const copy = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
    if (Array.isArray(x)) return x.map(copy);
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'param') {
      const v = paramValue(o as unknown as Extract<Expr, { kind: 'param' }>, params);
      if (v === undefined) missing = true;
      return { kind: 'lit', value: v ?? null, start: o['start'], end: o['end'] };
    }
    const out: Record<string, unknown> = {};
    for (const k in o) out[k] = copy(o[k]);
    return out;
  };
  const r = copy(node) as T;
  return missing ? null : r;
}
