/**
 * WHERE conjuncts the scan kernels can evaluate: `column <op> constant|parameter` (=, <>, <, <=,
 * >, >=, BETWEEN, IN (list), IS NOT NULL) on a numeric-affinity column of the scanned table.
 * The planner recognises them once ({@link kernelPredFor}, at compile time) and registers them
 * against the conjunct's compiled filter; {@link scanBatches} (batch-filter.ts) then runs them
 * with SIMD over every batch whose column is a fixed-width array (`RowBatch.fixedColumn`), ANDs
 * the results into a selection, and runs only the remaining conjuncts, row by row, on the
 * selected rows. A batch whose column is not fixed (mixed types on the page) falls back to the
 * conjunct's scalar closure, so results never depend on the page layout.
 *
 * Semantics are the scalar path's: the comparison affinity (compare.ts) is applied to the
 * constant first — for a numeric-affinity column that is always NUMERIC, so `x = '5'` compares
 * with 5 — and the kernels then compare exactly across INTEGER/REAL, put TEXT/BLOB after every
 * number, and select nothing for a NULL constant (docs/kernels.md). Collations never matter:
 * only numbers are compared with numbers.
 */
import type { Kernels, Selection, SqlConstant } from '../kernels/index.js';
import type { FixedColumnView, RowBatch, Value } from '../storage/api.js';
import type { Expr } from './ast.js';
import type { CExpr, Ev } from './compile-expr.js';
import type { Env } from './scope.js';
import { applyAffinity, isNumericAff } from './value.js';

export type KernelCmp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** One kernel-evaluable conjunct; `column` is the scope slot of the compared column. */
export type KernelPred =
  | { readonly kind: 'cmp'; readonly slot: number; readonly op: KernelCmp; readonly values: readonly Ev[] }
  | { readonly kind: 'between'; readonly slot: number; readonly values: readonly Ev[] }
  | { readonly kind: 'in'; readonly slot: number; readonly values: readonly Ev[] }
  | { readonly kind: 'notnull'; readonly slot: number; readonly values: readonly Ev[] };

/** What the scan reports, so tests and EXPLAIN-like tooling can see the kernels at work. */
export interface KernelStats {
  /** Batches where at least one conjunct ran as a kernel. */
  filterBatches: number;
  /** Conjunct evaluations that ran as kernels (one per conjunct per batch). */
  kernelConjuncts: number;
  /** Conjunct evaluations that fell back to the scalar closure (column not fixed on the page). */
  scalarFallbacks: number;
  /** Batches aggregated by the kernels without materialising rows. */
  aggregateBatches: number;
  /** Batches grouped and aggregated from column arrays (GROUP BY, kernel-group.ts). */
  groupBatches: number;
}

/** The kernels a statement's scans may use, with the counters they bump. */
export interface KernelContext { readonly k: Kernels; readonly stats: KernelStats }

export function newKernelStats(): KernelStats {
  return { filterBatches: 0, kernelConjuncts: 0, scalarFallbacks: 0, aggregateBatches: 0, groupBatches: 0 };
}

const registry = new WeakMap<Ev, KernelPred>();

/** The kernel form of a compiled filter, if the planner registered one. */
export function kernelPredOf(ev: Ev): KernelPred | undefined {
  return registry.get(ev);
}

const isConst = (a: Expr): boolean => a.kind === 'lit' || a.kind === 'param' || (a.kind === 'unary' && (a.op === '-' || a.op === '+') && isConst(a.expr));

const FLIP: Record<string, KernelCmp> = { '=': '=', '!=': '<>', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const SAME: Record<string, KernelCmp> = { '=': '=', '!=': '<>', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * Recognises a kernel-evaluable conjunct and registers it against `compiled.ev`. `compile`
 * compiles a sub-expression in the conjunct's scope. Only constants and parameters qualify as
 * the value side: they are evaluated once per scan without side effects or errors.
 */
export function registerKernelPred(ast: Expr, compiled: CExpr, compile: (e: Expr) => CExpr): void {
  const numCol = (e: Expr): CExpr | null => {
    if (e.kind !== 'col') return null;
    const c = compile(e);
    return c.column && c.column.column >= 0 && isNumericAff(c.aff) ? c : null;
  };
  let pred: KernelPred | null = null;
  if (ast.kind === 'binary' && SAME[ast.op]) {
    const l = numCol(ast.left);
    const r = l ? null : numCol(ast.right);
    if (l && isConst(ast.right)) pred = { kind: 'cmp', slot: l.column!.slot, op: SAME[ast.op]!, values: [compile(ast.right).ev] };
    else if (r && isConst(ast.left)) pred = { kind: 'cmp', slot: r.column!.slot, op: FLIP[ast.op]!, values: [compile(ast.left).ev] };
  } else if (ast.kind === 'between' && !ast.not && isConst(ast.lo) && isConst(ast.hi)) {
    const x = numCol(ast.expr);
    if (x) pred = { kind: 'between', slot: x.column!.slot, values: [compile(ast.lo).ev, compile(ast.hi).ev] };
  } else if (ast.kind === 'in' && !ast.not && ast.list && ast.list.length > 0 && ast.list.every(isConst)) {
    const x = numCol(ast.expr);
    if (x) pred = { kind: 'in', slot: x.column!.slot, values: ast.list.map((v) => compile(v).ev) };
  } else if (ast.kind === 'isnull' && ast.not) {
    const x = numCol(ast.expr);
    if (x) pred = { kind: 'notnull', slot: x.column!.slot, values: [] };
  }
  if (pred) registry.set(compiled.ev, pred);
}

/** The constant as the comparison sees it: NUMERIC affinity applied (a numeric column's rule). */
function constant(v: Value): SqlConstant {
  return typeof v === 'string' ? (applyAffinity(v, 'numeric') as SqlConstant) : v;
}

/** A kernel conjunct bound to one scan: its column and constants, evaluated on first use. */
export class BoundKernelPred {
  private consts: SqlConstant[] | null = null;
  constructor(readonly pred: KernelPred, readonly column: number, readonly ev: Ev) {}

  /** Evaluates the conjunct over `rows` rows of `col` into a selection in the kernels' scratch. */
  run(k: Kernels, col: FixedColumnView, rows: number, env: Env): Selection {
    const c = (this.consts ??= this.pred.values.map((ev) => constant(ev(env))));
    const p = this.pred;
    switch (p.kind) {
      case 'cmp': return k.compare(col, rows, p.op, c[0]!);
      case 'between': return k.between(col, rows, c[0]!, c[1]!);
      case 'in': return k.inList(col, rows, c);
      case 'notnull': return k.notNull(col, rows);
    }
  }
}

/**
 * Splits a scan's filters into kernel conjuncts on the scanned table's columns (slots
 * `offset … offset+ncols-1`) and the rest, keeping the rest in their original order.
 */
export function bindKernelPreds(filters: readonly Ev[], offset: number, ncols: number): { kernel: BoundKernelPred[]; rest: Ev[] } {
  const kernel: BoundKernelPred[] = [];
  const rest: Ev[] = [];
  for (const f of filters) {
    const p = registry.get(f);
    if (p && p.slot >= offset && p.slot < offset + ncols) kernel.push(new BoundKernelPred(p, p.slot - offset, f));
    else rest.push(f);
  }
  return { kernel, rest };
}

/**
 * One batch's kernel conjuncts: ANDs the selections of those whose column is fixed-width on this
 * page and appends the others' closures, then `rest`, to `scalar` (cleared first) for the caller
 * to run per row. Null when no conjunct ran as a kernel (every row is a candidate). Resets the
 * scratch first: the selection is valid until the next reset.
 */
export function batchSelection(
  b: RowBatch, kernel: readonly BoundKernelPred[], rest: readonly Ev[], kc: KernelContext, env: Env, scalar: Ev[],
): Selection | null {
  const { k, stats } = kc;
  const n = b.length;
  k.reset();
  let sel: Selection | null = null;
  scalar.length = 0;
  for (const p of kernel) {
    const col = b.fixedColumn(p.column);
    if (col === null || col.memory !== k.memory) { scalar.push(p.ev); stats.scalarFallbacks++; continue; }
    const s = p.run(k, col, n, env);
    sel = sel === null ? s : k.and(sel, s);
    stats.kernelConjuncts++;
  }
  for (const f of rest) scalar.push(f);
  return sel;
}
