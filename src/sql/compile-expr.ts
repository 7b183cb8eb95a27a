/**
 * Binds and compiles expressions into closures over an {@link Env}: names are resolved against
 * the {@link Scope} once, affinity and collation are decided at compile time, and what runs per
 * row is a tree of small functions. Arithmetic, NULL logic, LIKE/GLOB, CASE, CAST and IN follow
 * SQLite exactly (see value.ts and compare.ts for the value rules).
 */
import type { StorageTxn, Value } from '../storage/api.js';
import { constraintError, sqlError } from '../errors.js';
import type { Expr, Select } from './ast.js';
import { AGGREGATES, countStar, isAggregateCall, type AggState } from './aggregates.js';
import { collationOf } from './catalog.js';
import { comparisonAffinity, comparisonCollation, makeCmp, type Cmp } from './compare.js';
import { SCALAR_FUNCTIONS, cstr, type FnContext } from './functions.js';
import { globMatcher, likeMatcher } from './like.js';
import { arith, bitOp, concat, negate } from './arith.js';
import type { Env, Scope } from './scope.js';
import {
  affinityOfType, applyAffinity, isNumericAff, textToBlob, toInteger, toNumericCast, toReal, toText, truth, valueKey,
  type Affinity, type CollationName,
} from './value.js';
import type { KernelContext } from './kernel-filter.js';

export type Ev = (env: Env) => Value;

export interface CExpr {
  readonly ev: Ev;
  readonly aff: Affinity;
  readonly coll: CollationName | null;
  readonly explicitColl: boolean;
  /** Set for a plain column reference of the current scope (the planner uses it for index choice). */
  readonly column?: { readonly pos: number; readonly column: number; readonly slot: number };
  /** True when the value does not depend on the current scope's row (constants, params, outer refs). */
  readonly rowIndependent: boolean;
}

/** The per-execution state shared by a compiled statement's closures. */
export interface Runtime {
  /** The storage transaction the statement runs in. */
  txn: StorageTxn;
  params: Value[];
  fn: FnContext;
  /** Bumped per execution: caches of uncorrelated subqueries are valid for one generation. */
  gen: number;
  /** Cap on the rows a recursive CTE may produce (runaway recursion ends in SQL_ERROR). */
  maxRecursiveRows?: number;
  /** The shard's scan kernels (paged storage); table scans use them when present. */
  kernels?: KernelContext;
  /** Throws when the statement must stop (EngineOptions.interrupt); checked at batch boundaries. */
  interrupt?: () => void;
}

export interface AggSlot { readonly name: string; readonly make: () => AggState; readonly args: CExpr[]; readonly distinct: boolean; readonly coll: CollationName }

/** Compiles sub-SELECTs for expressions; provided by the select compiler. */
export interface SubqueryCompiler {
  compileSubquery(select: Select, parent: Scope): { columns: number; aff: Affinity; correlated: boolean; run(env: Env): Value[][] };
}

export interface ExprContext {
  readonly scope: Scope;
  readonly rt: Runtime;
  readonly sub: SubqueryCompiler;
  /** Where aggregate calls go; null where aggregates are not allowed. */
  readonly aggs: AggSlot[] | null;
}


export function compileExpr(e: Expr, cx: ExprContext): CExpr {
  const plain = (ev: Ev, rowIndependent: boolean, aff: Affinity = 'none'): CExpr => ({ ev, aff, coll: null, explicitColl: false, rowIndependent });
  switch (e.kind) {
    case 'lit': { const v = e.value; return plain(() => v, true); }
    case 'param': { const i = e.index - 1; const rt = cx.rt; return plain(() => rt.params[i] ?? null, true); }
    case 'col': return compileColumn(e, cx);
    case 'collate': {
      const inner = compileExpr(e.expr, cx);
      return { ...inner, coll: collationOf(e.collation), explicitColl: true, column: undefined! } as CExpr;
    }
    case 'unary': {
      const x = compileExpr(e.expr, cx);
      const xe = x.ev;
      switch (e.op) {
        case '+': return { ...x, aff: 'none', column: undefined! } as CExpr;
        case '-': return plain((env) => negate(xe(env)), x.rowIndependent);
        case '~': return plain((env) => { const v = xe(env); if (v === null) return null; return BigInt.asIntN(64, ~toInteger(v)!); }, x.rowIndependent);
        case 'NOT': return plain((env) => { const t = truth(xe(env)); return t === null ? null : t ? 0n : 1n; }, x.rowIndependent);
      }
      break;
    }
    case 'binary': return compileBinary(e, cx);
    case 'like': {
      const l = compileExpr(e.left, cx);
      const r = compileExpr(e.right, cx);
      const esc = e.escape ? compileExpr(e.escape, cx) : undefined;
      const make = e.op === 'LIKE' ? likeMatcher : globMatcher;
      const not = e.not;
      let lastPat: string | null = null;
      let lastEsc: string | null = null;
      let matcher: ((s: string) => boolean) | null = null;
      return plain((env) => {
        const s = l.ev(env);
        const p = r.ev(env);
        const ev = esc ? esc.ev(env) : undefined;
        // SQLite's like()/glob() never match a BLOB operand (even against NULL).
        if (s instanceof Uint8Array || p instanceof Uint8Array) return not ? 1n : 0n;
        if (s === null || p === null || ev === null) return null;
        const ps = cstr(toText(p))!;
        const es = ev === undefined ? null : toText(ev)!;
        if (es !== null && [...es].length !== 1) throw sqlError('ESCAPE expression must be a single character');
        if (ps !== lastPat || es !== lastEsc || !matcher) { matcher = make(ps, es); lastPat = ps; lastEsc = es; }
        const m = matcher!(cstr(toText(s))!);
        return (not ? !m : m) ? 1n : 0n;
      }, l.rowIndependent && r.rowIndependent && (!esc || esc.rowIndependent));
    }
    case 'between': {
      const x = compileExpr(e.expr, cx);
      const lo = compileExpr(e.lo, cx);
      const hi = compileExpr(e.hi, cx);
      const c1 = cmpFor(x, lo);
      const c2 = cmpFor(x, hi);
      const not = e.not;
      return plain((env) => {
        const v = x.ev(env);
        const a = lo.ev(env);
        const b = hi.ev(env);
        const t1 = v === null || a === null ? null : c1(v, a) >= 0;
        const t2 = v === null || b === null ? null : c2(v, b) <= 0;
        let r: boolean | null;
        if (t1 === false || t2 === false) r = false; else if (t1 === null || t2 === null) r = null; else r = true;
        return r === null ? null : (r !== not) ? 1n : 0n;
      }, x.rowIndependent && lo.rowIndependent && hi.rowIndependent);
    }
    case 'isnull': {
      const x = compileExpr(e.expr, cx);
      const not = e.not;
      return plain((env) => ((x.ev(env) === null) !== not ? 1n : 0n), x.rowIndependent);
    }
    case 'in': return compileIn(e, cx);
    case 'exists': {
      const q = cx.sub.compileSubquery(e.select, cx.scope);
      const not = e.not;
      return plain((env) => ((q.run(env).length > 0) !== not ? 1n : 0n), false);
    }
    case 'subquery': {
      const q = cx.sub.compileSubquery(e.select, cx.scope);
      if (q.columns !== 1) throw sqlError(`sub-select returns ${q.columns} columns - expected 1`, e.start);
      return { ev: (env) => { const rows = q.run(env); return rows.length > 0 ? rows[0]![0]! : null; }, aff: q.aff, coll: null, explicitColl: false, rowIndependent: false };
    }
    case 'case': return compileCase(e, cx);
    case 'cast': {
      const x = compileExpr(e.expr, cx);
      const aff = affinityOfType(e.type);
      const conv = castFn(aff);
      return { ev: (env) => conv(x.ev(env)), aff, coll: x.coll, explicitColl: x.explicitColl, rowIndependent: x.rowIndependent };
    }
    case 'fn': return compileCall(e, cx);
    case 'raise': {
      if (!cx.scope.withinTrigger()) throw sqlError('RAISE() may only be used within a trigger-program', e.start);
      const { action, message } = e;
      return plain(() => { throw raiseError(action, message ?? ''); }, false);
    }
  }
  throw sqlError('unsupported expression', (e as { start: number }).start);
}

function castFn(aff: Affinity): (v: Value) => Value {
  switch (aff) {
    case 'integer': return (v) => toInteger(v);
    case 'real': return (v) => toReal(v);
    case 'numeric': return (v) => toNumericCast(v);
    case 'text': return (v) => (v instanceof Uint8Array ? toText(v) : v === null ? null : toText(v));
    default: return (v) => (v === null || v instanceof Uint8Array ? v : textToBlob(toText(v)!));
  }
}

function compileColumn(e: Extract<Expr, { kind: 'col' }>, cx: ExprContext): CExpr {
  const r = cx.scope.resolve(e.table, e.name);
  if (!r) {
    if (e.table === undefined) {
      const alias = cx.scope.aliases.get(e.name.toLowerCase());
      if (alias) {
        cx.scope.aliases.delete(e.name.toLowerCase()); // no self-reference through an alias
        try { return compileExpr(alias, cx); } finally { cx.scope.aliases.set(e.name.toLowerCase(), alias); }
      }
      if (e.quoted) { const text = e.name; return { ev: () => text, aff: 'none', coll: null, explicitColl: false, rowIndependent: true }; }
    }
    throw sqlError(`no such column: ${e.table ? e.table + '.' : ''}${e.name}`, e.start);
  }
  const slot = r.slot;
  let ev: Ev;
  if (r.depth === 0) ev = (env) => env.row[slot]!;
  else if (r.depth === 1) ev = (env) => env.outer!.row[slot]!;
  else { const d = r.depth; ev = (env) => { let x: Env = env; for (let i = 0; i < d; i++) x = x.outer!; return x.row[slot]!; }; }
  return {
    ev, aff: r.aff, coll: r.coll, explicitColl: false, rowIndependent: r.depth > 0,
    ...(r.depth === 0 ? { column: { pos: r.source.pos, column: r.column, slot } } : {}),
  };
}


/** RAISE(IGNORE) unwinds to the firing statement, which skips the current row. */
export class RaiseIgnore extends Error {
  constructor() { super('RAISE(IGNORE)'); }
}

/** An error from RAISE(ROLLBACK, …) also ends the transaction. */
export const ROLLBACK_TRANSACTION = Symbol('rollbackTransaction');

function raiseError(action: 'IGNORE' | 'ROLLBACK' | 'ABORT' | 'FAIL', message: string): Error {
  if (action === 'IGNORE') return new RaiseIgnore();
  const e = constraintError('check', message);
  if (action === 'ROLLBACK') Object.defineProperty(e, ROLLBACK_TRANSACTION, { value: true });
  return e;
}

export function cmpFor(l: CExpr, r: CExpr): Cmp {
  return makeCmp(comparisonAffinity(l.aff, r.aff), comparisonCollation(l, r));
}

function compileBinary(e: Extract<Expr, { kind: 'binary' }>, cx: ExprContext): CExpr {
  const l = compileExpr(e.left, cx);
  const r = compileExpr(e.right, cx);
  const le = l.ev;
  const re = r.ev;
  const ri = l.rowIndependent && r.rowIndependent;
  const plain = (ev: Ev): CExpr => ({ ev, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri });
  switch (e.op) {
    case 'AND': return plain((env) => {
      const a = truth(le(env));
      if (a === false) return 0n;
      const b = truth(re(env));
      if (b === false) return 0n;
      return a === null || b === null ? null : 1n;
    });
    case 'OR': return plain((env) => {
      const a = truth(le(env));
      if (a === true) return 1n;
      const b = truth(re(env));
      if (b === true) return 1n;
      return a === null || b === null ? null : 0n;
    });
    case '=': case '!=': case '<': case '<=': case '>': case '>=': {
      const cmp = cmpFor(l, r);
      const test = opTest(e.op);
      return plain((env) => {
        const a = le(env);
        if (a === null) return null;
        const b = re(env);
        if (b === null) return null;
        return test(cmp(a, b)) ? 1n : 0n;
      });
    }
    case 'IS': case 'ISNOT': {
      const cmp = cmpFor(l, r);
      const want = e.op === 'IS';
      return plain((env) => {
        const a = le(env);
        const b = re(env);
        const eq = a === null || b === null ? a === b : cmp(a, b) === 0;
        return eq === want ? 1n : 0n;
      });
    }
    case '+': case '-': case '*': case '/': case '%': {
      const op = e.op;
      return plain((env) => arith(op, le(env), re(env)));
    }
    case '||': {
      const coll = l.explicitColl ? l.coll : r.explicitColl ? r.coll : null;
      return { ev: (env) => concat(le(env), re(env)), aff: 'none', coll, explicitColl: coll !== null, rowIndependent: ri };
    }
    case '&': case '|': case '<<': case '>>': {
      const op = e.op;
      return plain((env) => bitOp(op, le(env), re(env)));
    }
  }
  throw sqlError(`unsupported operator ${e.op}`, e.start);
}

function opTest(op: string): (c: number) => boolean {
  switch (op) {
    case '=': return (c) => c === 0;
    case '!=': return (c) => c !== 0;
    case '<': return (c) => c < 0;
    case '<=': return (c) => c <= 0;
    case '>': return (c) => c > 0;
    default: return (c) => c >= 0;
  }
}

function compileIn(e: Extract<Expr, { kind: 'in' }>, cx: ExprContext): CExpr {
  const x = compileExpr(e.expr, cx);
  const not = e.not;
  const finish = (found: boolean, sawNull: boolean): Value => {
    if (found) return not ? 0n : 1n;
    if (sawNull) return null;
    return not ? 1n : 0n;
  };
  if (e.list) {
    const items = e.list.map((it) => compileExpr(it, cx));
    if (items.length === 0) return { ev: () => (not ? 1n : 0n), aff: 'none', coll: null, explicitColl: false, rowIndependent: true };
    const aff: Affinity = x.aff === 'blob' ? 'none' : x.aff;
    const cmps = items.map((it) => makeCmp(aff, comparisonCollation(x, it)));
    const ri = x.rowIndependent && items.every((i) => i.rowIndependent);
    const isConst = (a: Expr): boolean => a.kind === 'lit' || a.kind === 'param' || (a.kind === 'unary' && (a.op === '-' || a.op === '+') && isConst(a.expr));
    const colls = new Set(items.map((it) => comparisonCollation(x, it)));
    if (items.length > 8 && colls.size === 1 && e.list.every(isConst)) {
      // Long lists of constants/parameters: a hash set per execution instead of a scan per row.
      const coll = [...colls][0]!;
      const conv: Affinity | null = aff === 'none' ? null : isNumericAff(aff) ? 'numeric' : 'text';
      const rt = cx.rt;
      let gen = -1;
      let set = new Set<string>();
      let hasNull = false;
      return {
        ev: (env) => {
          if (gen !== rt.gen) {
            gen = rt.gen;
            set = new Set();
            hasNull = false;
            for (const it of items) {
              const w = it.ev(env);
              if (w === null) hasNull = true; else set.add(valueKey(conv ? applyAffinity(w, conv) : w, coll));
            }
          }
          const v = x.ev(env);
          if (v === null) return null;
          return finish(set.has(valueKey(conv ? applyAffinity(v, conv) : v, coll)), hasNull);
        }, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri,
      };
    }
    return {
      ev: (env) => {
        const v = x.ev(env);
        if (v === null) return null;
        let sawNull = false;
        for (let i = 0; i < items.length; i++) {
          const w = items[i]!.ev(env);
          if (w === null) { sawNull = true; continue; }
          if (cmps[i]!(v, w) === 0) return finish(true, false);
        }
        return finish(false, sawNull);
      }, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri,
    };
  }
  let run: (env: Env) => Value[][];
  let colAff: Affinity = 'none';
  if (e.select) {
    const q = cx.sub.compileSubquery(e.select, cx.scope);
    if (q.columns !== 1) throw sqlError(`sub-select returns ${q.columns} columns - expected 1`, e.start);
    run = q.run;
    colAff = q.aff;
  } else {
    const sel: Select = {
      kind: 'select', start: e.start, end: e.end, ops: [],
      cores: [{ kind: 'core', distinct: false, columns: [{ kind: 'star', start: e.start, end: e.end }], from: { kind: 'table', name: e.table!, start: e.start, end: e.end } }],
    };
    const q = cx.sub.compileSubquery(sel, cx.scope);
    if (q.columns !== 1) throw sqlError(`sub-select returns ${q.columns} columns - expected 1`, e.start);
    run = q.run;
    colAff = q.aff;
  }
  const aff = comparisonAffinity(x.aff, colAff);
  const conv: Affinity | null = aff === 'none' || aff === 'blob' ? null : aff === 'text' ? 'text' : 'numeric';
  const coll = x.explicitColl ? x.coll! : x.coll ?? 'BINARY';
  // A hash set of the subquery's values, rebuilt when the subquery's result array changes.
  let lastRows: Value[][] | null = null;
  let set: Set<string> = new Set();
  let hasNull = false;
  return {
    ev: (env) => {
      const rows = run(env);
      if (rows !== lastRows) {
        lastRows = rows;
        set = new Set();
        hasNull = false;
        for (const r of rows) {
          const w = r[0]!;
          if (w === null) { hasNull = true; continue; }
          set.add(valueKey(conv ? applyAffinity(w, conv) : w, coll));
        }
      }
      let v = x.ev(env);
      if (v === null) return rows.length === 0 ? (not ? 1n : 0n) : null;
      if (conv) v = applyAffinity(v, conv);
      return finish(set.has(valueKey(v, coll)), hasNull);
    }, aff: 'none', coll: null, explicitColl: false, rowIndependent: false,
  };
}

function compileCase(e: Extract<Expr, { kind: 'case' }>, cx: ExprContext): CExpr {
  const base = e.base ? compileExpr(e.base, cx) : undefined;
  const whens = e.whens.map(([w, t]) => [compileExpr(w, cx), compileExpr(t, cx)] as const);
  const els = e.else ? compileExpr(e.else, cx) : undefined;
  const ri = (!base || base.rowIndependent) && whens.every(([w, t]) => w.rowIndependent && t.rowIndependent) && (!els || els.rowIndependent);
  if (base) {
    const cmps = whens.map(([w]) => cmpFor(base, w));
    return {
      ev: (env) => {
        const b = base.ev(env);
        if (b !== null) {
          for (let i = 0; i < whens.length; i++) {
            const w = whens[i]![0].ev(env);
            if (w !== null && cmps[i]!(b, w) === 0) return whens[i]![1].ev(env);
          }
        }
        return els ? els.ev(env) : null;
      }, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri,
    };
  }
  return {
    ev: (env) => {
      for (const [w, t] of whens) if (truth(w.ev(env)) === true) return t.ev(env);
      return els ? els.ev(env) : null;
    }, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri,
  };
}

function compileCall(e: Extract<Expr, { kind: 'fn' }>, cx: ExprContext): CExpr {
  const name = e.name;
  const nargs = e.args.length;
  if (isAggregateCall(name, nargs, e.star)) {
    if (!cx.aggs) throw sqlError(`misuse of aggregate function ${name}()`, e.start);
    const def = AGGREGATES[name]!;
    if (!e.star && (nargs < def.min || nargs > def.max)) throw sqlError(`wrong number of arguments to function ${name}()`, e.start);
    if (e.distinct && nargs !== 1) throw sqlError('DISTINCT aggregates must have exactly one argument', e.start);
    if (name === 'count' && nargs === 0 && !e.star) {
      // count() is count(*)
    }
    const inner: ExprContext = { ...cx, aggs: null };
    let args: CExpr[];
    try {
      args = e.args.map((a) => compileExpr(a, inner));
    } catch (err) {
      if (err instanceof Error && /misuse of aggregate/.test(err.message)) throw sqlError(`misuse of aggregate function ${name}()`, e.start);
      throw err;
    }
    const coll: CollationName = args[0] ? (args[0].coll ?? 'BINARY') : 'BINARY';
    const slot = cx.aggs.length;
    cx.aggs.push({ name: e.star ? 'count' : name, make: e.star || nargs === 0 ? countStar : () => def.make(coll), args, distinct: e.distinct, coll });
    const aff: Affinity = 'none';
    return { ev: (env) => env.agg![slot]!, aff, coll: name === 'min' || name === 'max' ? (args[0]?.coll ?? null) : null, explicitColl: false, rowIndependent: false };
  }
  if (e.star) throw sqlError(`wrong number of arguments to function ${name}()`, e.start);
  if (e.distinct) throw sqlError(`DISTINCT aggregates must have exactly one argument`, e.start);
  const args = e.args.map((a) => compileExpr(a, cx));
  const ri = args.every((a) => a.rowIndependent);
  const plain = (ev: Ev): CExpr => ({ ev, aff: 'none', coll: null, explicitColl: false, rowIndependent: ri });
  switch (name) {
    case 'coalesce': case 'ifnull': {
      if (name === 'ifnull' ? nargs !== 2 : nargs < 2) throw sqlError(`wrong number of arguments to function ${name}()`, e.start);
      return plain((env) => { for (const a of args) { const v = a.ev(env); if (v !== null) return v; } return null; });
    }
    case 'iif': {
      if (nargs !== 3) throw sqlError('wrong number of arguments to function iif()', e.start);
      const [c, t, f] = args as [CExpr, CExpr, CExpr];
      return plain((env) => (truth(c.ev(env)) === true ? t.ev(env) : f.ev(env)));
    }
    case 'nullif': {
      if (nargs !== 2) throw sqlError('wrong number of arguments to function nullif()', e.start);
      const cmp = cmpFor(args[0]!, args[1]!);
      return plain((env) => { const a = args[0]!.ev(env); const b = args[1]!.ev(env); return a !== null && b !== null && cmp(a, b) === 0 ? null : a; });
    }
  }
  const fn = SCALAR_FUNCTIONS[name];
  if (!fn) throw sqlError(`no such function: ${name}`, e.start);
  if (nargs < fn.min || nargs > fn.max) throw sqlError(`wrong number of arguments to function ${name}()`, e.start);
  const f = fn.fn;
  const ctx = cx.rt;
  const evs = args.map((a) => a.ev);
  return {
    ev: (env) => { const vals = new Array<Value>(evs.length); for (let i = 0; i < evs.length; i++) vals[i] = evs[i]!(env); return f(vals, ctx.fn); },
    aff: 'none', coll: (name === 'min' || name === 'max') ? (args.find((a) => a.coll !== null)?.coll ?? null) : null, explicitColl: false,
    rowIndependent: ri && fn.pure,
  };
}

