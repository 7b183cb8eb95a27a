/**
 * SELECT statements: CTEs, compound operators (UNION [ALL], INTERSECT, EXCEPT), ORDER BY,
 * LIMIT/OFFSET, and sub-queries used inside expressions (cached for the statement's execution
 * when uncorrelated). The {@link QueryCompiler} is the per-statement compile state: SQL text,
 * catalog, runtime, CTEs in scope and the EXPLAIN lines the planner produced.
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Cte, Expr, OrderTerm, Select } from './ast.js';
import type { Catalog, IndexInfo, ViewInfo } from './catalog.js';
import type { Route } from './access-path.js';
import { compileExpr, type Runtime, type SubqueryCompiler } from './compile-expr.js';
import { splitAnd } from './conjuncts.js';
import { Scope, type Env } from './scope.js';
import { compileCore, ordinal, type CoreResult } from './select-core.js';
import { compareValues, toInteger, applyAffinity, valueKey, type Affinity, type CollationName } from './value.js';

export interface CompiledQuery {
  readonly columns: string[];
  readonly affs: Affinity[];
  readonly colls: (CollationName | null)[];
  /** True when it reads a row of an enclosing query. */
  readonly correlated: boolean;
  run(outer: Env | null): Value[][];
}

/** One ORDER BY term as a comparison: direction, where NULLs go, collation. */
export interface SortKey { readonly desc: boolean; readonly nullsFirst: boolean; readonly coll: CollationName }

interface OrderKey extends SortKey { ev: (env: Env) => Value; outIndex: number }

/**
 * SQLite's ORDER BY comparison of two rows whose i-th sort key sits at `keyIdx[i]`: NULLs first
 * or last per term, other values by the term's collation, reversed for DESC. The one comparator
 * of the engine's sort and of the coordinator's merge of sorted partition streams.
 */
export function compareByKeys(a: readonly Value[], b: readonly Value[], keys: readonly SortKey[], keyIdx: readonly number[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = a[keyIdx[i]!]!;
    const y = b[keyIdx[i]!]!;
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === k.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, y, k.coll);
    if (c !== 0) return k.desc ? -c : c;
  }
  return 0;
}

/** Structural identity of an AST (spans ignored). */
export function exprKey(e: unknown): string {
  return JSON.stringify(e, (k, v) => (k === 'start' || k === 'end' || k === 'quoted' ? undefined : typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : (k === 'name' || k === 'table') && typeof v === 'string' ? v.toLowerCase() : v));
}

/** Combines the routes of a statement's table accesses: single only when all name one key. */
export function combineRoutes(routes: Route[]): Route {
  if (routes.length === 0) return { kind: 'all' };
  const first = routes[0]!;
  if (first.kind !== 'single') return first;
  const k = JSON.stringify(first, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  return routes.every((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) === k) ? first : { kind: 'all' };
}

export function describeRoute(r: Route): string {
  if (r.kind === 'all') return 'ROUTE ALL PARTITIONS';
  return `ROUTE ONE PARTITION (${r.table}.rowid = ${'param' in r.key ? `?${r.key.param}` : String(r.key.value)})`;
}

export class QueryCompiler implements SubqueryCompiler {
  readonly explain: string[] = [];
  /** One entry per table access compiled (the statement is single-partition only if all agree). */
  readonly routes: Route[] = [];
  private readonly cteFrames: Map<string, { cte: Cte; compiled?: CompiledQuery; compiling?: boolean }>[] = [];

  constructor(readonly sql: string, readonly catalog: Catalog, readonly rt: Runtime) {}

  findCte(name: string): CompiledQuery | undefined {
    const n = name.toLowerCase();
    for (let i = this.cteFrames.length - 1; i >= 0; i--) {
      const f = this.cteFrames[i]!.get(n);
      if (!f) continue;
      if (f.compiled) return f.compiled;
      if (f.compiling) throw sqlError(`circular reference: ${name}`);
      f.compiling = true;
      // A CTE sees the CTEs defined before it, not the ones after.
      const saved = this.cteFrames.splice(i + 1);
      try {
        const sel = f.cte.select;
        if (sel.cores.length >= 2 && (sel.ops[0] === 'UNION' || sel.ops[0] === 'UNION ALL') && mentionsTable(sel.cores.slice(1), n)) {
          f.compiled = this.compileRecursive(f, name);
        } else {
          const q = this.compileSelect(sel, null);
          f.compiled = f.cte.columns ? renameColumns(q, f.cte.columns, name) : q;
        }
      } finally {
        this.cteFrames.push(...saved);
        f.compiling = false;
      }
      return f.compiled;
    }
    return undefined;
  }

  /**
   * WITH RECURSIVE: the first core seeds the rows; the remaining cores read the CTE's name as the
   * rows produced by the previous round (breadth first) until a round adds nothing. UNION
   * discards rows already produced; the CTE's own LIMIT/OFFSET stops it early; a runaway
   * recursion ends with SQL_ERROR after a row cap (10 million by default) instead of hanging.
   */
  private compileRecursive(f: { cte: Cte; compiled?: CompiledQuery }, name: string): CompiledQuery {
    const sel = f.cte.select;
    if (sel.orderBy) throw sqlError(`ORDER BY in a recursive CTE is not supported: ${name}`);
    const seedSel: Select = { ...sel, cores: [sel.cores[0]!], ops: [] };
    delete (seedSel as { limit?: unknown }).limit;
    delete (seedSel as { offset?: unknown }).offset;
    const seed = this.compileSelect(seedSel, null);
    const names = f.cte.columns ?? seed.columns;
    if (names.length !== seed.columns.length) throw sqlError(`table ${name} has ${seed.columns.length} values for ${names.length} columns`);
    let working: Value[][] = [];
    f.compiled = { columns: names, affs: seed.affs, colls: seed.colls, correlated: false, run: () => working };
    const stepSel: Select = { ...sel, cores: sel.cores.slice(1), ops: sel.ops.slice(1) };
    delete (stepSel as { limit?: unknown }).limit;
    delete (stepSel as { offset?: unknown }).offset;
    const step = this.compileSelect(stepSel, null);
    if (step.columns.length !== names.length) throw sqlError(`SELECTs to the left and right of UNION do not have the same number of result columns`);
    const distinct = sel.ops[0] === 'UNION';
    const lcx = { scope: new Scope(null), rt: this.rt, sub: this, aggs: null };
    const limitEv = sel.limit ? compileExpr(sel.limit, lcx).ev : null;
    const offsetEv = sel.offset ? compileExpr(sel.offset, lcx).ev : null;
    return {
      columns: names, affs: seed.affs, colls: seed.colls, correlated: false,
      run: (outer) => {
        const env: Env = { row: [], outer, agg: null };
        const limit = limitEv ? intArg(limitEv(env), 'LIMIT') : -1n;
        const offset = offsetEv ? intArg(offsetEv(env), 'OFFSET') : 0n;
        const want = limit < 0n ? Infinity : Number(limit) + Number(offset < 0n ? 0n : offset);
        const seen = distinct ? new Set<string>() : null;
        const result: Value[][] = [];
        const cap = this.rt.maxRecursiveRows ?? MAX_RECURSIVE_ROWS;
        const admit = (rows: Value[][]): Value[][] => {
          const fresh: Value[][] = [];
          for (const r of rows) {
            if (result.length >= want) break;
            if (seen) { const k = rowKey(r, names.length); if (seen.has(k)) continue; seen.add(k); }
            result.push(r);
            fresh.push(r);
            if (result.length > cap) throw sqlError(`recursive CTE ${name} produced more than ${cap} rows`);
          }
          return fresh;
        };
        let frontier = admit(seed.run(outer));
        while (frontier.length > 0 && result.length < want) {
          this.rt.interrupt?.(); // a round may read no table: check here too
          working = frontier;
          frontier = admit(step.run(outer));
        }
        working = [];
        const off = offset < 0n ? 0 : Number(offset);
        return off > 0 || result.length > want - off ? result.slice(off, want) : result;
      },
    };
  }

  compileView(v: ViewInfo): CompiledQuery {
    const saved = this.cteFrames.splice(0);
    try {
      const q = this.compileSelect(v.select, null);
      return v.columns ? renameColumns(q, v.columns, v.name) : q;
    } finally {
      this.cteFrames.push(...saved);
    }
  }

  partialImplied(ix: IndexInfo, where: Expr[]): boolean {
    const have = new Set(where.map(exprKey));
    return splitAnd(ix.where).every((t) => {
      if (have.has(exprKey(t))) return true;
      // "col IS NOT NULL" (either spelling) is implied by any comparison on col.
      const notNullCol = t.kind === 'isnull' && t.not ? t.expr
        : t.kind === 'binary' && t.op === 'ISNOT' && t.right.kind === 'lit' && t.right.value === null ? t.left : null;
      if (notNullCol && notNullCol.kind === 'col') {
        const name = notNullCol.name.toLowerCase();
        return where.some((w) => {
          const col = w.kind === 'binary' && ['=', '<', '<=', '>', '>='].includes(w.op) ? [w.left, w.right] : w.kind === 'between' || w.kind === 'in' ? [w.expr] : [];
          return col.some((c) => c.kind === 'col' && c.name.toLowerCase() === name);
        });
      }
      return false;
    });
  }

  /** Sub-queries compiled once per (AST node, scope): the planner and the filter share them. */
  private readonly subqueries = new Map<Select, { parent: Scope; result: { columns: number; aff: Affinity; correlated: boolean; run(env: Env): Value[][] } }>();

  compileSubquery(select: Select, parent: Scope): { columns: number; aff: Affinity; correlated: boolean; run(env: Env): Value[][] } {
    const hit = this.subqueries.get(select);
    if (hit && hit.parent === parent) return hit.result;
    const result = this.compileSubqueryFresh(select, parent);
    this.subqueries.set(select, { parent, result });
    return result;
  }

  private compileSubqueryFresh(select: Select, parent: Scope): { columns: number; aff: Affinity; correlated: boolean; run(env: Env): Value[][] } {
    const q = this.compileSelect(select, parent);
    const rt = this.rt;
    let gen = -1;
    let cached: Value[][] = [];
    const run = q.correlated
      ? (env: Env) => q.run(env)
      : (env: Env) => {
        if (gen !== rt.gen) { cached = q.run(env); gen = rt.gen; }
        return cached;
      };
    return { columns: q.columns.length, aff: q.affs[0] ?? 'none', correlated: q.correlated, run };
  }

  compileSelect(select: Select, parent: Scope | null): CompiledQuery {
    if (select.with) {
      const frame = new Map<string, { cte: Cte }>();
      for (const c of select.with) {
        if (frame.has(c.name.toLowerCase())) throw sqlError(`duplicate WITH table name: ${c.name}`);
        frame.set(c.name.toLowerCase(), { cte: c });
      }
      this.cteFrames.push(frame);
      try {
        return this.compileBody(select, parent);
      } finally {
        this.cteFrames.pop();
      }
    }
    return this.compileBody(select, parent);
  }

  private compileBody(select: Select, parent: Scope | null): CompiledQuery {
    const single = select.cores.length === 1;
    const cores: CoreResult[] = select.cores.map((c) => compileCore(this, c, parent, single ? select.orderBy : undefined));
    const first = cores[0]!;
    for (const c of cores) {
      if (c.columns.length !== first.columns.length) throw sqlError(`SELECTs to the left and right of ${select.ops[0] ?? 'UNION'} do not have the same number of result columns`);
    }
    const ncols = first.columns.length;
    const limitScope = new Scope(parent);
    const lcx = { scope: limitScope, rt: this.rt, sub: this, aggs: null };
    const limitEv = select.limit ? compileExpr(select.limit, lcx).ev : null;
    const offsetEv = select.offset ? compileExpr(select.offset, lcx).ev : null;
    const orderKeys: OrderKey[] = single
      ? ((first as CoreResult & { orderKeys?: OrderKey[] }).orderKeys ?? [])
      : (select.orderBy ?? []).map((t, i) => compoundOrderKey(t, i, first, cores));
    const needSort = orderKeys.length > 0 && !(single && first.ordered);
    if (needSort) this.explain.push('USE TEMP B-TREE FOR ORDER BY');
    const correlated = (): boolean => cores.some((c) => c.scope.correlated) || limitScope.correlated;
    const ops = select.ops;

    const run = (outer: Env | null): Value[][] => {
      const env: Env = { row: [], outer, agg: null };
      const limit = limitEv ? intArg(limitEv(env), 'LIMIT') : -1n;
      const offset = offsetEv ? intArg(offsetEv(env), 'OFFSET') : 0n;
      const lim = limit < 0n ? Infinity : Number(limit);
      const off = offset < 0n ? 0 : Number(offset);
      if (lim === 0) return [];
      let rows: Value[][];
      if (single) {
        rows = first.run(outer, needSort ? Infinity : lim + off);
      } else {
        rows = first.run(outer, Infinity);
        for (let i = 0; i < ops.length; i++) rows = combine(ops[i]!, rows, cores[i + 1]!.run(outer, Infinity), ncols);
      }
      if (needSort) {
        const keyIdx: number[] = [];
        let hidden = ncols;
        for (const k of orderKeys) keyIdx.push(k.outIndex >= 0 ? k.outIndex : hidden++);
        rows.sort((a, b) => compareByKeys(a, b, orderKeys, keyIdx));
      }
      if (off > 0 || lim < rows.length) rows = rows.slice(off, off + lim);
      if (rows.length > 0 && rows[0]!.length > ncols) rows = rows.map((r) => r.slice(0, ncols));
      return rows;
    };
    return {
      columns: first.columns, affs: single ? first.affs : first.affs.map(() => 'none'), colls: first.colls,
      get correlated() { return correlated(); },
      run,
    };
  }
}

/** Default cap on a recursive CTE's rows (EngineOptions.maxRecursiveRows overrides it). */
const MAX_RECURSIVE_ROWS = 10_000_000;

function mentionsTable(x: unknown, name: string): boolean {
  if (Array.isArray(x)) return x.some((y) => mentionsTable(y, name));
  if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return false;
  const o = x as Record<string, unknown>;
  if (o.kind === 'table' && typeof o.name === 'string' && o.name.toLowerCase() === name) return true;
  return Object.values(o).some((v) => mentionsTable(v, name));
}

/** A LIMIT/OFFSET value as SQLite reads it (numeric affinity, must be an integer). */
export function intArg(v: Value, what: string): bigint {
  const n = applyAffinity(v, 'numeric');
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isInteger(n)) return toInteger(n)!;
  throw sqlError(`datatype mismatch in ${what}`);
}

function compoundOrderKey(t: OrderTerm, i: number, first: CoreResult, cores: CoreResult[]): OrderKey {
  let e = t.expr;
  let coll: CollationName | null = null;
  if (e.kind === 'collate') { coll = e.collation as CollationName; e = e.expr; }
  let idx = -1;
  if (e.kind === 'lit' && typeof e.value === 'bigint') {
    idx = Number(e.value) - 1;
    if (idx < 0 || idx >= first.columns.length) throw sqlError(`${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${first.columns.length}`);
  } else if (e.kind === 'col') {
    const name = e.name.toLowerCase();
    for (const c of cores) {
      idx = c.columns.findIndex((n) => n.toLowerCase() === name);
      if (idx >= 0) break;
    }
  }
  if (idx < 0) {
    const text = exprKey(e);
    void text;
    throw sqlError(`${ordinal(i + 1)} ORDER BY term does not match any column in the result set`);
  }
  return { ev: () => null, desc: t.desc, nullsFirst: t.nulls ? t.nulls === 'first' : !t.desc, coll: coll ?? first.colls[idx] ?? 'BINARY', outIndex: idx };
}

function rowKey(r: Value[], n: number): string {
  let k = '';
  for (let i = 0; i < n; i++) k += valueKey(r[i]!) + '\u0000';
  return k;
}

function combine(op: Select['ops'][number], a: Value[][], b: Value[][], n: number): Value[][] {
  if (op === 'UNION ALL') return a.concat(b);
  const out: Value[][] = [];
  const seen = new Set<string>();
  if (op === 'UNION') {
    for (const r of [...a, ...b]) { const k = rowKey(r, n); if (!seen.has(k)) { seen.add(k); out.push(r); } }
  } else {
    const inB = new Set(b.map((r) => rowKey(r, n)));
    for (const r of a) {
      const k = rowKey(r, n);
      if (seen.has(k)) continue;
      seen.add(k);
      if (inB.has(k) === (op === 'INTERSECT')) out.push(r);
    }
  }
  // SQLite's compound operators (other than UNION ALL) emit rows in sorted order.
  out.sort((x, y) => { for (let i = 0; i < n; i++) { const c = compareValues(x[i]!, y[i]!); if (c !== 0) return c; } return 0; });
  return out;
}

function renameColumns(q: CompiledQuery, names: string[], what: string): CompiledQuery {
  if (names.length !== q.columns.length) throw sqlError(`table ${what} has ${q.columns.length} values for ${names.length} columns`);
  return { columns: names, affs: q.affs, colls: q.colls, get correlated() { return q.correlated; }, run: (o) => q.run(o) };
}
