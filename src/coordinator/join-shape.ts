/**
 * What the join routing (join-pushdown.ts) needs to know of a SELECT over several tables, read off
 * the AST: the table instances of its FROM (in join order, with the LEFT JOIN right sides marked
 * nullable), a resolver from column references to those instances, the AND-ed conjuncts of WHERE
 * and of each ON clause, the column = column equalities among them, and whether the join is
 * co-located (every output row's rows live on one partition). Pure functions, no I/O.
 *
 * Eligible shape: one SELECT core, no WITH, no subquery anywhere, a FROM of ≥ 2 base tables
 * joined by inner, CROSS or LEFT joins (ON or USING; not NATURAL, not a parenthesised join on the
 * right of a LEFT JOIN). Anything else returns null and keeps the generic fan-out.
 */
import type { Expr, FromItem, Select, SelectCore } from '../sql/ast.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
import { splitAnd } from '../sql/conjuncts.js';
import { comparisonAffinity } from '../sql/compare.js';
import { isNumericAff, type Affinity, type CollationName } from '../sql/value.js';
import { hasSubquery, type ShardKey } from './route-analysis.js';

/** One table of the FROM, as the query names it. */
export interface JoinTable {
  readonly alias: string;
  readonly table: TableInfo;
  readonly key: ShardKey;
  /** The right side of a LEFT JOIN: its columns may be NULL-extended. */
  readonly nullable: boolean;
  /** A name that reads the rowid (`rowid`, `oid` or `_rowid_` not shadowed by a column), or null. */
  readonly rowidName: string | null;
}

/** A column reference resolved to a table instance (`column` -1: the rowid, or its INTEGER PRIMARY KEY alias). */
export interface ColumnRef {
  readonly t: number;
  readonly column: number;
  readonly aff: Affinity;
  readonly coll: CollationName;
}

/** Where a conjunct comes from: WHERE, the ON of an inner join, or the ON of the LEFT JOIN whose right table is `t`. */
export type ConjunctSource = { readonly kind: 'where' } | { readonly kind: 'inner' } | { readonly kind: 'left'; readonly t: number };

export interface Conjunct {
  readonly expr: Expr;
  readonly source: ConjunctSource;
  /** The table instances it reads; null when some column reference does not resolve to exactly one. */
  readonly uses: ReadonlySet<number> | null;
}

/** `left = right` between columns of two different table instances (as written: `left` is the left operand). */
export interface Equality {
  readonly left: ColumnRef;
  readonly right: ColumnRef;
  readonly source: ConjunctSource;
}

export interface JoinShape {
  readonly select: Select;
  readonly core: SelectCore;
  readonly tables: readonly JoinTable[];
  readonly conjuncts: readonly Conjunct[];
  readonly equalities: readonly Equality[];
  /** Resolves a column reference the way the engine would, or null (unknown, ambiguous, a result alias). */
  resolve(e: Expr): ColumnRef | null;
}

const ROWID_NAMES = ['rowid', 'oid', '_rowid_'];
const span = { start: 0, end: 0 };

export function joinShape(s: Select, catalog: Catalog, keyOf: (t: TableInfo) => ShardKey): JoinShape | null {
  if (s.with || s.cores.length !== 1 || hasSubquery(s)) return null;
  const core = s.cores[0]!;
  if (core.values || !core.from || core.from.kind !== 'join' || callsVolatile(s)) return null;
  const tables: JoinTable[] = [];
  const pending: { on?: Expr; using?: string[]; left: boolean; right: number }[] = [];
  const visit = (f: FromItem, nullable: boolean): boolean => {
    if (f.kind === 'table') {
      const t = catalog.table(f.name);
      if (!t || f.indexedBy) return false;
      tables.push({ alias: f.alias ?? t.name, table: t, key: keyOf(t), nullable, rowidName: ROWID_NAMES.find((n) => !t.columns.some((c) => c.name.toLowerCase() === n)) ?? null });
      return true;
    }
    if (f.kind !== 'join' || f.natural) return false;
    if (!visit(f.left, nullable)) return false;
    const left = f.joinType === 'left';
    if (left && f.right.kind !== 'table') return false;
    const right = tables.length;
    if (!visit(f.right, nullable || left)) return false;
    pending.push({ ...(f.on ? { on: f.on } : {}), ...(f.using ? { using: f.using } : {}), left, right });
    return true;
  };
  if (!visit(core.from, false)) return null;
  const seen = new Set<string>();
  for (const t of tables) {
    const a = t.alias.toLowerCase();
    if (seen.has(a)) return null; // the engine reports the ambiguity; the generic path does that
    seen.add(a);
  }

  const resolve = columnResolver(tables);

  // A "double-quoted" name that names no column is a string literal to the engine, but the AST
  // printer writes it back as a bare identifier: SQL sent to partitions would change meaning.
  if (quotedLiteral(s, resolve)) return null;

  const conjuncts: Conjunct[] = [];
  const add = (expr: Expr, source: ConjunctSource): void => {
    for (const c of splitAnd(expr)) conjuncts.push({ expr: c, source, uses: usesOf(c, resolve) });
  };
  for (const p of pending) {
    const source: ConjunctSource = p.left ? { kind: 'left', t: p.right } : { kind: 'inner' };
    if (p.on) add(p.on, source);
    for (const name of p.using ?? []) {
      // USING (x): the left side's x (the one table left of the join that has it) = the right table's x.
      const lefts = tables.slice(0, p.right).filter((t) => t.table.columns.some((c) => c.name.toLowerCase() === name.toLowerCase()));
      if (lefts.length !== 1) continue; // no equality recorded: fewer optimisations, never a wrong one
      add({ kind: 'binary', op: '=', left: { kind: 'col', table: lefts[0]!.alias, name, ...span }, right: { kind: 'col', table: tables[p.right]!.alias, name, ...span }, ...span }, source);
    }
  }
  if (core.where) add(core.where, { kind: 'where' });

  const equalities: Equality[] = [];
  for (const c of conjuncts) {
    const e = c.expr;
    if (e.kind !== 'binary' || (e.op !== '=' && e.op !== '==')) continue;
    const l = resolve(e.left);
    const r = resolve(e.right);
    if (l && r && l.t !== r.t) equalities.push({ left: l, right: r, source: c.source });
  }
  return { select: s, core, tables, conjuncts, equalities, resolve };
}

/**
 * Functions whose value depends on when or where they run: evaluated on a partition (and again
 * in the mirror) they would change the answer's distribution or read another session's state.
 */
const VOLATILE = new Set(['random', 'randomblob', 'changes', 'total_changes', 'last_insert_rowid']);

function callsVolatile(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  if (Array.isArray(node)) return node.some(callsVolatile);
  const o = node as Record<string, unknown>;
  if (o['kind'] === 'fn' && VOLATILE.has(String(o['name']).toLowerCase())) return true;
  return Object.entries(o).some(([k, v]) => k !== 'start' && k !== 'end' && callsVolatile(v));
}

export function quotedLiteral(node: unknown, resolve: (e: Expr) => ColumnRef | null): boolean {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  if (Array.isArray(node)) return node.some((x) => quotedLiteral(x, resolve));
  const o = node as Record<string, unknown>;
  if (o['kind'] === 'col') return o['quoted'] === true && resolve(o as unknown as Expr) === null;
  return Object.entries(o).some(([k, v]) => k !== 'start' && k !== 'end' && quotedLiteral(v, resolve));
}

/** The table instances an expression reads, or null when a column reference does not resolve. */
function usesOf(e: Expr, resolve: (e: Expr) => ColumnRef | null): Set<number> | null {
  const out = new Set<number>();
  let ok = true;
  const walk = (x: unknown): void => {
    if (!ok || x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
    if (Array.isArray(x)) { for (const y of x) walk(y); return; }
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'col') {
      const r = resolve(o as unknown as Expr);
      if (r) out.add(r.t); else ok = false;
      return;
    }
    for (const k in o) if (k !== 'start' && k !== 'end') walk(o[k]);
  };
  walk(e);
  return ok ? out : null;
}

const affClass = (a: Affinity): 'numeric' | 'text' | 'none' => (isNumericAff(a) ? 'numeric' : a === 'text' ? 'text' : 'none');

/**
 * Resolves a column reference against table instances the way the engine would: by alias when
 * qualified, the rowid under its names (or its INTEGER PRIMARY KEY alias); null when it names no
 * column, or more than one (ambiguous).
 */
export function columnResolver(tables: readonly { readonly alias: string; readonly table: TableInfo }[]): (e: Expr) => ColumnRef | null {
  return (e) => {
    if (e.kind !== 'col') return null;
    const name = e.name.toLowerCase();
    let found: ColumnRef | null = null;
    for (let i = 0; i < tables.length; i++) {
      const jt = tables[i]!;
      if (e.table !== undefined && e.table.toLowerCase() !== jt.alias.toLowerCase()) continue;
      const ci = jt.table.columns.findIndex((c) => c.name.toLowerCase() === name);
      let ref: ColumnRef | null = null;
      if (ci >= 0) {
        const c = jt.table.columns[ci]!;
        ref = { t: i, column: ci === jt.table.rowidColumn ? -1 : ci, aff: c.aff, coll: c.coll };
      } else if (ROWID_NAMES.includes(name)) ref = { t: i, column: -1, aff: 'integer', coll: 'BINARY' };
      if (!ref) continue;
      if (found) return null; // ambiguous
      found = ref;
    }
    return found;
  };
}

/**
 * Whether `left = right` true implies both stored values hash to the same partition
 * (partition-hash.ts hashes the stored value itself). The comparison must not convert either
 * side — both numeric affinities (numeric affinity is idempotent on what a numeric column stores)
 * or neither — and must use BINARY (the left operand's collation decides): `1 = '1'` between an
 * INTEGER and a TEXT column, or 'a' = 'A' under NOCASE, is true for values stored on different
 * partitions.
 */
export function sameCanonical(left: ColumnRef, right: ColumnRef): boolean {
  return left.coll === 'BINARY' && isNumericAff(left.aff) === isNumericAff(right.aff);
}

/**
 * Whether rows of table `x` can be filtered by `x.col IN (<values of y.col>)` without losing a
 * row that `x.col = y.col` (either operand order, `xLeft` telling which) would match. The IN list
 * applies x's affinity to the values and compares with x's collation; the equality applies
 * {@link comparisonAffinity} to both and the left operand's collation. Valid when both convert
 * alike, or when the IN list matches more (TEXT affinity applied to values the equality leaves
 * alone; NOCASE/RTRIM where the equality uses BINARY).
 */
export function inListCovers(x: ColumnRef, y: ColumnRef, xLeft: boolean): boolean {
  const j = affClass(comparisonAffinity(xLeft ? x.aff : y.aff, xLeft ? y.aff : x.aff));
  const i = affClass(comparisonAffinity(x.aff, 'none'));
  const affOk = i === j || (j === 'none' && i === 'text');
  const joinColl = xLeft ? x.coll : y.coll;
  return affOk && (x.coll === joinColl || joinColl === 'BINARY');
}

/**
 * Whether the join is co-located: every output row is made of rows of one partition, so the
 * query over each partition's rows, combined, is the query over all rows. Holds when the tables
 * that are not NULL-extended are connected by shard key = shard key equalities of WHERE or inner
 * ON clauses, and each LEFT JOIN's right table has one in its own ON clause to a table on its left
 * (see docs/sharding.md, "Joins", for the argument). Every equality used must pass {@link sameCanonical}.
 */
export function coLocated(shape: JoinShape): boolean {
  const { tables } = shape;
  const isKey = (r: ColumnRef): boolean => r.column === tables[r.t]!.key.column;
  const parent = tables.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const linkedLeft = new Set<number>();
  for (const e of shape.equalities) {
    if (!isKey(e.left) || !isKey(e.right) || !sameCanonical(e.left, e.right)) continue;
    const a = e.left.t;
    const b = e.right.t;
    if (e.source.kind === 'left') {
      const r = e.source.t;
      if ((a === r && b < r) || (b === r && a < r)) linkedLeft.add(r);
    } else if (!tables[a]!.nullable && !tables[b]!.nullable) parent[find(a)] = find(b);
  }
  let root = -1;
  for (let i = 0; i < tables.length; i++) {
    if (tables[i]!.nullable) {
      if (!linkedLeft.has(i)) return false;
    } else if (root < 0) root = find(i);
    else if (find(i) !== root) return false;
  }
  return true;
}
