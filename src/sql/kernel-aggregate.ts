/**
 * Aggregates of a single-table scan computed by the scan kernels, without materialising rows:
 * `SELECT count(*), count(x), sum(x), total(x), avg(x), min(x), max(x) … FROM t [WHERE …]` with
 * no GROUP BY, no DISTINCT aggregate and no bare column in the output. Per batch: the kernel
 * conjuncts give a selection (kernel-filter.ts); when no other conjunct remains and every
 * aggregated column is a fixed-width array on the page, the kernels count, sum (into the same
 * {@link SumAccumulator} the scalar sum uses: SQLite's exact INTEGER sum and overflow rule) and
 * take MIN/MAX (first of equal values, earlier batch kept on ties — SQLite's minmaxStep) over
 * the selection. Otherwise that batch's rows are loaded and stepped one by one, into the same
 * states, so any mix of kernel and scalar batches gives the scalar path's result.
 *
 * The one documented difference is the kernels': REAL sums fold in 8 lanes per batch (docs/kernels.md),
 * which can differ from SQLite's strictly sequential KBN in the last bits.
 */
import type { Expr } from './ast.js';
import type { FixedColumnView, TableCursor, Value } from '../storage/api.js';
import { Count, MinMax, Sum, type AggState } from './aggregates.js';
import { passes, type RowSlots } from './batch-filter.js';
import type { AggSlot, Ev } from './compile-expr.js';
import { batchSelection, bindKernelPreds, type KernelContext } from './kernel-filter.js';
import type { Env } from './scope.js';

/** One aggregate the kernels can compute: its kind and table column (-1 for count(*)). */
export interface KernelAgg { readonly name: 'count' | 'sum' | 'total' | 'avg' | 'min' | 'max'; readonly column: number; readonly args: AggSlot['args'] }

/**
 * The kernel form of a query's aggregates over the table whose columns sit at `offset`, or null
 * when one of them is not count(*)/count/sum/total/avg/min/max of a plain column of that table.
 */
export function kernelAggsFor(aggs: readonly AggSlot[], offset: number, ncols: number): KernelAgg[] | null {
  const out: KernelAgg[] = [];
  for (const a of aggs) {
    if (a.distinct) return null;
    const name = a.name as KernelAgg['name'];
    if (!['count', 'sum', 'total', 'avg', 'min', 'max'].includes(name)) return null;
    if (a.args.length === 0) {
      if (name !== 'count') return null;
      out.push({ name, column: -1, args: a.args });
      continue;
    }
    const c = a.args.length === 1 ? a.args[0]!.column : undefined;
    if (!c || c.column < 0 || c.slot < offset || c.slot >= offset + ncols) return null;
    out.push({ name, column: c.slot - offset, args: a.args });
  }
  return out;
}

/**
 * Scans `cursor`, applying `filters` and feeding `states` (made by the query's AggSlots, in
 * the same order as `aggs`). Closes the cursor.
 */
export function aggregateScan(
  cursor: TableCursor, slots: RowSlots, kc: KernelContext, filters: readonly Ev[], aggs: readonly KernelAgg[], states: readonly AggState[], env: Env,
): void {
  const { k, stats } = kc;
  const { kernel, rest } = bindKernelPreds(filters, slots.offset, slots.ncols);
  const scalar: Ev[] = [];
  const cols: (FixedColumnView | null)[] = new Array<FixedColumnView | null>(aggs.length);
  const args: Value[] = [null];
  let rowsBuf = new Uint32Array(0);
  try {
    for (let b = cursor.nextBatch(); b; b = cursor.nextBatch()) {
      slots.interrupt?.();
      const n = b.length;
      const sel = batchSelection(b, kernel, rest, kc, env, scalar);
      let fixed = scalar.length === 0;
      for (let a = 0; fixed && a < aggs.length; a++) {
        const c = aggs[a]!.column;
        cols[a] = c < 0 ? null : b.fixedColumn(c);
        if (c >= 0 && (cols[a] === null || cols[a]!.memory !== k.memory)) fixed = false;
      }
      if (fixed) {
        stats.aggregateBatches++;
        const s = sel ?? undefined;
        for (let a = 0; a < aggs.length; a++) {
          const ag = aggs[a]!;
          const st = states[a]!;
          const col = cols[a];
          if (ag.name === 'count') (st as Count).add(col ? k.count(col, n, s) : s ? k.popcount(s) : n);
          else if (ag.name === 'min' || ag.name === 'max') {
            const v = ag.name === 'min' ? k.min(col!, n, s) : k.max(col!, n, s);
            // Strict comparison in MinMax.step keeps the earlier batch's value on ties.
            if (v !== null) { args[0] = v; (st as MinMax).step(args); }
          } else k.sum(col!, n, s, (st as Sum).acc);
        }
        continue;
      }
      // Row by row for this batch (mixed page, or a conjunct the kernels cannot take).
      let rows: Uint32Array | null = null;
      if (sel !== null) {
        if (rowsBuf.length < n) rowsBuf = new Uint32Array(Math.max(n, 1024));
        rows = k.selectedRows(sel, rowsBuf);
      }
      const m = rows ? rows.length : n;
      for (let j = 0; j < m; j++) {
        const i = rows ? rows[j]! : j;
        const row = env.row;
        for (let c = 0; c < slots.ncols; c++) row[slots.offset + c] = b.value(i, c);
        row[slots.rowidSlot] = b.rowid(i);
        if (scalar.length > 0 && !passes(scalar, env)) continue;
        for (let a = 0; a < aggs.length; a++) {
          const ag = aggs[a]!;
          args[0] = ag.args.length ? ag.args[0]!.ev(env) : null;
          states[a]!.step(args);
        }
      }
    }
  } finally {
    cursor.close();
  }
}

/**
 * True when the expressions read the row only inside aggregate calls (so the result does not
 * depend on which row a bare column would come from): literals, parameters, arithmetic, CAST
 * and scalar functions over aggregates — and, for GROUP BY, the columns `isKeyColumn` accepts.
 */
export function onlyAggregatesRead(
  exprs: readonly (Expr | null | undefined)[], isAggregate: (e: Extract<Expr, { kind: 'fn' }>) => boolean,
  isKeyColumn: (e: Extract<Expr, { kind: 'col' }>) => boolean = () => false,
): boolean {
  const ok = (e: Expr): boolean => {
    switch (e.kind) {
      case 'lit': case 'param': return true;
      case 'col': return isKeyColumn(e);
      case 'unary': case 'cast': return ok(e.expr);
      case 'binary': return ok(e.left) && ok(e.right);
      case 'fn': return isAggregate(e) || e.args.every(ok);
      default: return false;
    }
  };
  return exprs.every((e) => e === undefined || (e !== null && ok(e)));
}
