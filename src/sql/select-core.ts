/**
 * One SELECT core (FROM … WHERE … GROUP BY … HAVING, projection) compiled into a run function.
 *
 * Execution is a pipeline of nested loops, one level per FROM source in FROM order: level i fills
 * its slots of the scope row (through its access path: rowid/index probe, hash join on an
 * equality with earlier sources, or a scan materialised once per run), applies the conjuncts
 * whose last source is i, and calls level i+1. The last level feeds the projection, or the
 * grouping hash table when the query aggregates. LEFT JOIN null-extends a level that found no
 * match before its WHERE conjuncts run.
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Expr, FromItem, OrderTerm, SelectCore } from './ast.js';
import { pointRoute, type OrderWish, type Sarg } from './access-path.js';
import { chooseJoinOrder, makeOpener, nullFill, runJoin, type JoinLevel } from './join-plan.js';
import { SCHEMA_COLUMNS, SCHEMA_TABLE_NAMES, schemaRows } from './introspection.js';
import { passes } from './batch-filter.js';
import { compileExpr, type AggSlot, type CExpr, type Ev, type ExprContext } from './compile-expr.js';
import { analyzeConjunct, splitAnd, type Conjunct } from './conjuncts.js';
import { Scope, type Env, type ScopeColumn, type ScopeSource } from './scope.js';
import type { QueryCompiler, CompiledQuery } from './select.js';
import type { TableInfo } from './catalog.js';
import { compareValues, valueKey, type Affinity, type CollationName } from './value.js';
import { isAggregateCall, type AggState } from './aggregates.js';
import { aggregateScan, kernelAggsFor, onlyAggregatesRead } from './kernel-aggregate.js';
import { columnGroupByOn, groupScan, groupScanSpecFor } from './kernel-group.js';
import type { AccessPath } from './access-path.js';

export interface CoreResult {
  readonly columns: string[];
  readonly affs: Affinity[];
  readonly colls: (CollationName | null)[];
  /** Output expressions' source text (ORDER BY of compounds matches against them). */
  readonly exprTexts: string[];
  /** Rows of the visible columns followed by `hidden` sort-key columns. */
  run(outer: Env | null, stopAfter: number): Value[][];
  /** True when the rows come out in the requested ORDER BY already. */
  readonly ordered: boolean;
  /**
   * True when the core is one table read through one resumable scan (AccessPath.resumable), with
   * no aggregate, GROUP BY or DISTINCT: every output row comes from one row of that scan, in scan
   * order, so a reader may stop after any row and resume after it (src/sql/query-cursor.ts).
   */
  readonly resumable: boolean;
  readonly scope: Scope;
}

interface Level extends JoinLevel {
  readonly describe: string;
}

function containsAggregate(e: Expr | undefined): boolean {
  if (!e) return false;
  switch (e.kind) {
    case 'fn':
      if (e.star && e.name === 'count') return true;
      if (['count', 'sum', 'total', 'avg', 'group_concat', 'string_agg'].includes(e.name)) return true;
      if ((e.name === 'min' || e.name === 'max') && e.args.length === 1) return true;
      return e.args.some(containsAggregate);
    case 'unary': case 'cast': case 'collate': case 'isnull': return containsAggregate(e.expr);
    case 'binary': case 'like': return containsAggregate(e.left) || containsAggregate(e.right);
    case 'between': return containsAggregate(e.expr) || containsAggregate(e.lo) || containsAggregate(e.hi);
    case 'in': return containsAggregate(e.expr) || (e.list ?? []).some(containsAggregate);
    case 'case': return containsAggregate(e.base) || containsAggregate(e.else) || e.whens.some(([a, b]) => containsAggregate(a) || containsAggregate(b));
    default: return false;
  }
}

interface FromEntry { item: Extract<FromItem, { kind: 'table' | 'subquery' }>; joinType: 'inner' | 'left' | 'cross'; on?: Expr; using?: string[]; natural: boolean }

function flattenFrom(f: FromItem | undefined, out: FromEntry[] = []): FromEntry[] {
  if (!f) return out;
  if (f.kind === 'join') {
    flattenFrom(f.left, out);
    const right = flattenFrom(f.right, []);
    if (right.length !== 1) {
      // a parenthesised join on the right: treat its parts as inner-joined in sequence
      out.push(...right);
      if (f.on) out[out.length - 1] = { ...out[out.length - 1]!, on: f.on };
      return out;
    }
    out.push({ item: right[0]!.item, joinType: f.joinType, natural: f.natural, ...(f.on ? { on: f.on } : {}), ...(f.using ? { using: f.using } : {}) });
    return out;
  }
  out.push({ item: f, joinType: 'inner', natural: false });
  return out;
}

export function compileCore(qc: QueryCompiler, core: SelectCore, parent: Scope | null, orderBy: OrderTerm[] | undefined): CoreResult {
  const scope = new Scope(parent);
  const aggs: AggSlot[] = [];
  const baseCx: ExprContext = { scope, rt: qc.rt, sub: qc, aggs: null };

  if (core.values) return compileValues(qc, core.values, scope, baseCx);

  // ---- FROM: sources and their row layout
  const entries = flattenFrom(core.from);
  const materialized: (CompiledQuery | null)[] = [];
  const tables: (TableInfo | null)[] = [];
  const onConjuncts: { pos: number; ast: Expr; left: boolean }[] = [];
  for (const [pos, en] of entries.entries()) {
    let columns: ScopeColumn[];
    let name: string;
    let table: TableInfo | null = null;
    let q: CompiledQuery | null = null;
    if (en.item.kind === 'table') {
      name = en.item.alias ?? en.item.name;
      const cte = qc.findCte(en.item.name);
      const t = cte ? undefined : qc.catalog.table(en.item.name);
      if (cte) q = cte;
      else if (t) table = t;
      else if (SCHEMA_TABLE_NAMES.has(en.item.name.toLowerCase())) {
        const cat = qc.catalog;
        q = { columns: SCHEMA_COLUMNS, affs: ['text', 'text', 'text', 'integer', 'text'], colls: SCHEMA_COLUMNS.map(() => null), correlated: false, run: () => schemaRows(cat) };
      } else {
        const v = qc.catalog.views.get(en.item.name.toLowerCase());
        if (!v) throw sqlError(`no such table: ${en.item.name}`, en.item.start);
        q = qc.compileView(v);
      }
    } else {
      name = en.item.alias ?? `(subquery-${pos})`;
      q = qc.compileSelect(en.item.select, null);
    }
    if (table) columns = table.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll }));
    else columns = q!.columns.map((c: string, i: number) => ({ name: c, aff: q!.affs[i]!, coll: q!.colls[i] ?? 'BINARY' }));
    if (scope.sources.some((s) => s.name === name.toLowerCase())) {
      if (en.item.kind === 'table' && !en.item.alias) throw sqlError(`ambiguous table name: ${name}`, en.item.start);
    }
    const src = scope.addSource(name, columns, table ?? undefined);
    tables.push(table);
    materialized.push(q);
    const left = en.joinType === 'left';
    // USING / NATURAL: equalities with the earlier source that has the column; hide the copy.
    const usingCols = en.using ?? (en.natural ? columns.map((c) => c.name).filter((n) => scope.sources.slice(0, pos).some((s) => s.columns.some((c) => c.name.toLowerCase() === n.toLowerCase()))) : []);
    for (const u of usingCols) {
      const prev = scope.sources.slice(0, pos).find((s) => !s.hiddenNames.has(u.toLowerCase()) && s.columns.some((c) => c.name.toLowerCase() === u.toLowerCase()));
      if (!prev || !columns.some((c) => c.name.toLowerCase() === u.toLowerCase())) throw sqlError(`cannot join using column ${u} - column not present in both tables`);
      src.hiddenNames.add(u.toLowerCase());
      onConjuncts.push({
        pos, left,
        ast: { kind: 'binary', op: '=', left: { kind: 'col', table: prev.name, name: u, start: 0, end: 0 }, right: { kind: 'col', table: src.name, name: u, start: 0, end: 0 }, start: 0, end: 0 },
      });
    }
    for (const c of splitAnd(en.on)) onConjuncts.push({ pos, ast: c, left });
  }

  // ---- result columns
  const outExprs: { ast: Expr | null; slot?: number; name: string; aff: Affinity; coll: CollationName | null; text: string }[] = [];
  for (const rc of core.columns) {
    if (rc.kind === 'star') {
      const srcs = rc.table ? scope.sources.filter((s) => s.name === rc.table!.toLowerCase()) : scope.sources;
      if (rc.table && srcs.length === 0) throw sqlError(`no such table: ${rc.table}`, rc.start);
      if (!rc.table && scope.sources.length === 0) throw sqlError('no tables specified', rc.start);
      for (const s of srcs) {
        s.columns.forEach((c, i) => {
          if (!rc.table && s.hiddenNames.has(c.name.toLowerCase())) return;
          s.used[i] = true;
          outExprs.push({ ast: null, slot: s.offset + i, name: c.name, aff: c.aff, coll: c.coll, text: c.name });
        });
      }
    } else {
      const name = rc.alias ?? (rc.expr.kind === 'col' ? rc.expr.name : qc.sql.slice(rc.expr.start, rc.expr.end));
      outExprs.push({ ast: rc.expr, name, aff: 'none', coll: null, text: qc.sql.slice(rc.expr.start, rc.expr.end) });
      if (rc.alias) scope.aliases.set(rc.alias.toLowerCase(), rc.expr);
    }
  }

  const isAgg = !!core.groupBy || core.columns.some((c) => c.kind === 'expr' && containsAggregate(c.expr)) || containsAggregate(core.having)
    || (orderBy ?? []).some((o) => containsAggregate(o.expr));
  if (core.having && !isAgg) throw sqlError('a GROUP BY clause is required before HAVING');

  // ---- WHERE + inner ON conjuncts, placed at the last source they read
  const whereAsts = splitAnd(core.where);
  for (const w of whereAsts) if (containsAggregate(w)) throw sqlError('misuse of aggregate function in WHERE clause', w.start);
  const conj: (Conjunct & { left: boolean; onOf: number })[] = [];
  for (const w of whereAsts) conj.push({ ...analyzeConjunct(w, baseCx, qc.sql), left: false, onOf: -1 });
  for (const o of onConjuncts) conj.push({ ...analyzeConjunct(o.ast, baseCx, qc.sql), left: o.left, onOf: o.pos });
  const n = scope.sources.length;
  const joinOrder = entries.some((e) => e.joinType === 'left') ? entries.map((_, i) => i) : chooseJoinOrder(n, tables, conj);
  const rank: number[] = [];
  joinOrder.forEach((pos, k) => { rank[pos] = k; });
  const levelOf = (c: Conjunct & { onOf: number; left: boolean }): number => {
    let lv = c.onOf >= 0 && c.left ? rank[c.onOf]! : 0;
    for (const u of c.used) lv = Math.max(lv, rank[u]!);
    return lv;
  };
  const finalFilters: Ev[] = [];

  // ---- ORDER BY wishes (single table, non-aggregate: an index may give the order)
  let orderWish: OrderWish[] | null = null;
  const orderCompiled: { ev: Ev; desc: boolean; nullsFirst: boolean; coll: CollationName; outIndex: number }[] = [];

  // ---- levels
  const levels: Level[] = [];
  let ordered = false;
  let path0: AccessPath | null = null;
  let filters0: Ev[] = [];
  for (let k = 0; k < n; k++) {
    const i = joinOrder[k]!;
    const src = scope.sources[i]!;
    const isLeft = entries[i]!.joinType === 'left';
    const mine = conj.filter((c) => levelOf(c) === k && (c.onOf === i || !isLeft || c.onOf < 0));
    const onFilters = mine.filter((c) => isLeft && c.onOf === i).map((c) => c.expr.ev);
    const whereFilters = mine.filter((c) => !(isLeft && c.onOf === i)).map((c) => c.expr.ev);
    const sargSource = isLeft ? mine.filter((c) => c.onOf === i) : mine;
    const sargs: Sarg[] = [];
    for (const c of sargSource) for (const s of c.sargs) if (s.pos === i && [...s.valueUses].every((u) => rank[u]! < k)) sargs.push(s.sarg);
    const table = tables[i];
    if (i === 0 && n === 1 && !isAgg && orderBy && orderBy.length > 0 && table) orderWish = orderWishFor(orderBy, scope, baseCx);
    const matchFilters = isLeft ? onFilters : whereFilters;
    const afterFilters = isLeft ? whereFilters : [];
    if (table) qc.routes.push(n === 1 ? (pointRoute(table, sargs) ?? { kind: 'all' }) : { kind: 'all' });
    const open = makeOpener(qc, i, k, src, table, materialized[i] ?? null, sargs, i === 0 ? orderWish : null, whereAsts, (ap) => {
      if (i === 0 && ap?.ordered) ordered = true;
      if (k === 0) path0 = ap;
    });
    if (k === 0) filters0 = matchFilters;
    levels.push({ source: src, filters: afterFilters, left: isLeft, open: open.fn(matchFilters), describe: open.describe });
  }
  if (n === 0) for (const c of conj) finalFilters.push(c.expr.ev);
  qc.explain.push(...levels.map((l) => l.describe));

  // ---- projection / aggregation
  const aggCx: ExprContext = { ...baseCx, aggs: isAgg ? aggs : null };
  const outs: Ev[] = outExprs.map((o, idx) => {
    if (o.ast === null) { const slot = o.slot!; return (env: Env) => env.row[slot]!; }
    const c = compileExpr(o.ast, aggCx);
    outExprs[idx] = { ...o, aff: c.aff, coll: c.coll };
    return c.ev;
  });
  const having = core.having ? compileExpr(core.having, aggCx).ev : null;
  if (orderBy) {
    for (const t of orderBy) {
      const r = resolveOrderTerm(t.expr, outExprs.map((o) => o.name), qc);
      let ev: Ev;
      let coll: CollationName;
      if (r >= 0) {
        ev = outs[r]!;
        coll = (t.expr.kind === 'collate' ? (compileExpr(t.expr, { ...aggCx, aggs: isAgg ? aggs : null }).coll) : outExprs[r]!.coll) ?? 'BINARY';
      } else {
        const c = compileExpr(t.expr, aggCx);
        ev = c.ev;
        coll = c.coll ?? 'BINARY';
      }
      orderCompiled.push({ ev, desc: t.desc, nullsFirst: t.nulls ? t.nulls === 'first' : !t.desc, coll, outIndex: r });
    }
  }
  const groupBy = (core.groupBy ?? []).map((g) => {
    if (containsAggregate(g)) throw sqlError('aggregate functions are not allowed in the GROUP BY clause', g.start);
    if (g.kind === 'lit' && typeof g.value === 'bigint') {
      const k = Number(g.value);
      if (k < 1 || k > outExprs.length) throw sqlError(`${ordinal(1)} GROUP BY term out of range - should be between 1 and ${outExprs.length}`, g.start);
      const o = outExprs[k - 1]!;
      if (o.ast && containsAggregate(o.ast)) throw sqlError('aggregate functions are not allowed in the GROUP BY clause', g.start);
      return o.ast ? compileExpr(o.ast, baseCx) : { ev: outs[k - 1]!, aff: o.aff, coll: o.coll, explicitColl: false, rowIndependent: false } as CExpr;
    }
    return compileExpr(g, baseCx);
  });

  // ---- aggregates the scan kernels compute without materialising rows (kernel-aggregate.ts)
  const src0 = scope.sources[0];
  const p0 = path0 as AccessPath | null;
  const kernelAggs = isAgg && groupBy.length === 0 && n === 1 && qc.rt.kernels && p0?.fullScanOf !== undefined && src0?.rowidSlot != null
    && !entries[0]!.joinType?.startsWith('left') && levels[0]!.filters.length === 0 && finalFilters.length === 0
    && onlyAggregatesRead([...outExprs.map((o) => o.ast), core.having, ...(orderBy ?? []).map((o) => o.expr)], (f) => isAggregateCall(f.name, f.args.length, f.star))
    ? kernelAggsFor(aggs, src0.offset, src0.columns.length) : null;
  if (kernelAggs) qc.explain.push(`KERNEL AGGREGATE ${kernelAggs.map((a) => a.name).join(', ')}`);
  // ---- GROUP BY over the same kind of scan, grouped from column arrays (kernel-group.ts)
  const groupSpec = isAgg && groupBy.length > 0 && n === 1 && p0?.fullScanOf !== undefined && src0?.rowidSlot != null
    && !entries[0]!.joinType?.startsWith('left') && levels[0]!.filters.length === 0 && finalFilters.length === 0
    ? groupScanSpecFor(groupBy, aggs, src0.offset, src0.columns.length, scope.width,
      [...outExprs.map((o) => o.ast), core.having, ...orderCompiled.flatMap((o, i) => (o.outIndex < 0 ? [orderBy![i]!.expr] : []))],
      (f) => isAggregateCall(f.name, f.args.length, f.star),
      (e) => { try { return compileExpr(e, baseCx).column?.slot; } catch { return undefined; } })
    : null;
  if (groupSpec) qc.explain.push(`KERNEL GROUP BY ${groupSpec.aggs.map((a) => a.name).join(', ')}`);

  const width = scope.width;
  const hiddenCount = orderCompiled.filter((o) => o.outIndex < 0).length;
  const distinct = core.distinct;
  const outColls = outExprs.map((o) => o.coll ?? 'BINARY');

  const run = (outer: Env | null, stopAfter: number): Value[][] => {
    const env: Env = { row: new Array<Value>(width).fill(null), outer, agg: null };
    const result: Value[][] = [];
    const seen = distinct ? new Set<string>() : null;
    const project = (): boolean => {
      if (having && passes([having], env) === false) return true;
      const out = new Array<Value>(outs.length + hiddenCount);
      for (let k = 0; k < outs.length; k++) out[k] = outs[k]!(env);
      if (seen) {
        let key = '';
        for (let k = 0; k < outs.length; k++) key += valueKey(out[k]!, outColls[k]) + '\u0000';
        if (seen.has(key)) return true;
        seen.add(key);
      }
      let h = outs.length;
      for (const o of orderCompiled) if (o.outIndex < 0) out[h++] = o.ev(env);
      result.push(out);
      return result.length < stopAfter;
    };

    if (!isAgg) {
      const caches = new Map<number, unknown>();
      runJoin(levels, env, finalFilters, caches, project, qc.rt.interrupt);
      return result;
    }

    // aggregate: group rows, then project each group
    interface Group { rep: Value[]; keys: Value[]; states: AggState[]; distinctSets: (Set<string> | null)[] }
    const groups = new Map<string, Group>();
    const caches = new Map<number, unknown>();
    const minMax = aggs.flatMap((a, k) => (a.name === 'min' || a.name === 'max' ? [k] : []));
    const minMaxSlot = minMax.length === 1 ? minMax[0]! : -1;
    const newGroup = (keys: Value[]): Group => ({
      rep: env.row.slice(), keys, states: aggs.map((a) => a.make()), distinctSets: aggs.map((a) => (a.distinct ? new Set<string>() : null)),
    });
    const argBufs = aggs.map((a) => new Array<Value>(a.args.length));
    const groupColls = groupBy.map((g) => g.coll ?? 'BINARY');
    const accumulate = (): boolean => {
      const keys = new Array<Value>(groupBy.length);
      let key = '';
      for (let k = 0; k < groupBy.length; k++) {
        const v = groupBy[k]!.ev(env);
        keys[k] = v;
        key = k === 0 ? valueKey(v, groupColls[k]!) : key + '\u0000' + valueKey(v, groupColls[k]!);
      }
      let g = groups.get(key);
      // Bare columns read the group's first row (as SQLite), or the min()/max() row below.
      if (!g) { g = newGroup(keys); groups.set(key, g); }
      for (let a = 0; a < aggs.length; a++) {
        const slot = aggs[a]!;
        const args = argBufs[a]!;
        for (let k = 0; k < slot.args.length; k++) args[k] = slot.args[k]!.ev(env);
        const ds = g.distinctSets[a];
        if (ds) {
          if (args[0] === null) continue;
          const k = valueKey(args[0]!, slot.coll);
          if (ds.has(k)) continue;
          ds.add(k);
        }
        if (a === minMaxSlot) {
          // SQLite: with exactly one min()/max(), bare columns come from the row holding it.
          const before = g.states[a]!.final();
          g.states[a]!.step(args);
          if (g.states[a]!.final() !== before) g.rep = env.row.slice();
          continue;
        }
        g.states[a]!.step(args);
      }
      return true;
    };
    if (kernelAggs && qc.rt.kernels) {
      const g = newGroup([]);
      groups.set('', g);
      const slots = { offset: src0!.offset, ncols: src0!.columns.length, rowidSlot: src0!.rowidSlot!, interrupt: qc.rt.interrupt };
      aggregateScan(qc.rt.txn.scan(p0!.fullScanOf!), slots, qc.rt.kernels, filters0, kernelAggs, g.states, env);
      env.row.fill(null);
      g.rep = env.row.slice();
    }
    if (groupSpec && columnGroupByOn()) {
      const slots = { offset: src0!.offset, ncols: src0!.columns.length, rowidSlot: src0!.rowidSlot!, interrupt: qc.rt.interrupt };
      const found = groupScan(qc.rt.txn.scan(p0!.fullScanOf!), slots, qc.rt.kernels, filters0, groupSpec, env);
      for (let i = 0; i < found.length; i++) groups.set(String(i), { ...found[i]!, distinctSets: [] });
    } else if (!kernelAggs) runJoin(levels, env, finalFilters, caches, accumulate, qc.rt.interrupt);
    if (groups.size === 0 && groupBy.length === 0) {
      env.row.fill(null);
      groups.set('', newGroup([]));
    }
    let list = [...groups.values()];
    if (groupBy.length > 0) {
      const colls = groupBy.map((g) => g.coll ?? 'BINARY');
      list = list.sort((a, b) => {
        for (let k = 0; k < colls.length; k++) { const c = compareValues(a.keys[k]!, b.keys[k]!, colls[k]!); if (c !== 0) return c; }
        return 0;
      });
    }
    for (const g of list) {
      env.row = g.rep;
      env.agg = g.states.map((s) => s.final());
      if (!project()) break;
    }
    return result;
  };

  return {
    columns: outExprs.map((o) => o.name), affs: outExprs.map((o) => o.aff), colls: outExprs.map((o) => o.coll),
    exprTexts: outExprs.map((o) => o.text), run, ordered: ordered && orderBy !== undefined, scope,
    resumable: !isAgg && !distinct && n === 1 && tables[0] !== null && (path0 as AccessPath | null)?.resumable === true,
    ...{ orderKeys: orderCompiled },
  } as CoreResult & { orderKeys: typeof orderCompiled };
}

export function ordinal(k: number): string {
  return k === 1 ? '1st' : k === 2 ? '2nd' : k === 3 ? '3rd' : `${k}th`;
}

/** An ORDER BY term that names an output column: its index, or -1 for an expression. */
function resolveOrderTerm(e: Expr, names: string[], qc: QueryCompiler): number {
  void qc;
  let inner = e;
  if (inner.kind === 'collate') inner = inner.expr;
  if (inner.kind === 'lit' && typeof inner.value === 'bigint') {
    const k = Number(inner.value);
    if (k < 1 || k > names.length) throw sqlError(`ORDER BY term out of range - should be between 1 and ${names.length}`, e.start);
    return k - 1;
  }
  if (inner.kind === 'col' && inner.table === undefined) {
    const i = names.findIndex((nm) => nm.toLowerCase() === inner.name.toLowerCase());
    return i;
  }
  return -1;
}

function orderWishFor(orderBy: OrderTerm[], scope: Scope, cx: ExprContext): OrderWish[] | null {
  const out: OrderWish[] = [];
  for (const t of orderBy) {
    if (t.expr.kind !== 'col' && !(t.expr.kind === 'collate' && t.expr.expr.kind === 'col')) return null;
    let c: CExpr;
    try { c = compileExpr(t.expr, cx); } catch { return null; }
    if (!c.column && !(t.expr.kind === 'collate')) return null;
    const col = c.column ?? (compileExpr((t.expr as { expr: Expr }).expr, cx).column);
    if (!col || col.pos !== 0) return null;
    if (scope.aliases.has(((t.expr.kind === 'col' ? t.expr.name : '') ).toLowerCase())) return null;
    out.push({ column: col.column, desc: t.desc, coll: c.coll ?? 'BINARY', nullsDefault: t.nulls === undefined || (t.nulls === 'first') === !t.desc });
  }
  return out;
}

function compileValues(qc: QueryCompiler, values: Expr[][], scope: Scope, cx: ExprContext): CoreResult {
  const rows = values.map((r) => r.map((e) => compileExpr(e, cx)));
  const first = values[0]!;
  return {
    columns: first.map((_, i) => `column${i + 1}`), affs: first.map(() => 'none'), colls: first.map(() => null),
    exprTexts: first.map((e) => qc.sql.slice(e.start, e.end)), ordered: false, resumable: false, scope,
    run(outer, stopAfter) {
      const env: Env = { row: [], outer, agg: null };
      const out: Value[][] = [];
      for (const r of rows) {
        out.push(r.map((c) => c.ev(env)));
        if (out.length >= stopAfter) break;
      }
      return out;
    },
  };
}
