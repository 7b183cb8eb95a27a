/**
 * The executor's inner loops over storage batches — the one place where a filter is evaluated
 * over a whole RowBatch. With scan kernels ({@link RowSlots.kernels}), {@link scanBatches}
 * evaluates the conjuncts kernel-filter.ts recognised (column vs constant on a numeric column)
 * with SIMD over `RowBatch.fixedColumn` arrays into one selection, and runs the remaining
 * conjuncts row by row on the selected rows only; without kernels (or for a batch whose column
 * is not fixed-width) the scalar loop below is the reference behaviour.
 */
import type { RowBatch, Rowid, StorageTxn, TableCursor, Value } from '../storage/api.js';
import type { Ev } from './compile-expr.js';
import { batchSelection, bindKernelPreds, type KernelContext } from './kernel-filter.js';
import type { Env } from './scope.js';
import { truth } from './value.js';
import { BatchReader } from './batch-reader.js';

/** Where a source's row goes in the scope row: columns at `offset`, rowid at `rowidSlot`. */
export interface RowSlots {
  readonly offset: number;
  readonly ncols: number;
  readonly rowidSlot: number;
  /** The shard's scan kernels, when the engine has them (paged storage). */
  readonly kernels?: KernelContext | undefined;
  /**
   * The columns to decode, when the query reads only some (see {@link usedColumns}); the other
   * slots are left untouched. Undefined: all of them (UPDATE/DELETE need whole rows).
   */
  readonly cols?: readonly number[] | undefined;
  /**
   * Called at every batch boundary (and every {@link FETCH_CHECK_EVERY} fetched rows): throws
   * when the statement must stop (cancelled, deadline passed — EngineOptions.interrupt).
   */
  readonly interrupt?: (() => void) | undefined;
}

/** How many rowid fetches run between two interrupt checks. */
const FETCH_CHECK_EVERY = 256;

/**
 * The columns of a source that compiled expressions read, or undefined when that is all of them.
 * IMPORTANT: complete only once the whole statement is compiled — call it at run time.
 */
export function usedColumns(used: readonly boolean[]): number[] | undefined {
  const cols: number[] = [];
  for (let c = 0; c < used.length; c++) if (used[c]) cols.push(c);
  return cols.length === used.length ? undefined : cols;
}

/** True when every filter is true for the current env (NULL counts as false). */
export function passes(filters: readonly Ev[], env: Env): boolean {
  for (let i = 0; i < filters.length; i++) if (truth(filters[i]!(env)) !== true) return false;
  return true;
}

function readerFor(slots: RowSlots): BatchReader {
  return new BatchReader(slots.cols ?? allColumns(slots.ncols), slots.offset, slots.rowidSlot);
}

/**
 * Drives a table cursor batch by batch: loads each row into the env's slots, applies the
 * filters, emits survivors. `emit` returns false to stop (LIMIT reached); then so does this.
 */
export function scanBatches(cursor: TableCursor, slots: RowSlots, filters: readonly Ev[], env: Env, emit: () => boolean): boolean {
  if (slots.kernels && filters.length > 0) {
    const { kernel, rest } = bindKernelPreds(filters, slots.offset, slots.ncols);
    if (kernel.length > 0) return scanWithKernels(cursor, slots, slots.kernels, kernel, rest, env, emit);
  }
  const reader = readerFor(slots);
  try {
    for (let b = cursor.nextBatch(); b; b = cursor.nextBatch()) {
      slots.interrupt?.();
      // IMPORTANT: the batch is valid only until the cursor advances; rows are copied into env.row.
      const n = b.length;
      reader.batch(b);
      for (let i = 0; i < n; i++) {
        reader.load(b, i, env.row);
        if (filters.length === 0 || passes(filters, env)) {
          if (!emit()) return false;
        }
      }
    }
    return true;
  } finally {
    cursor.close();
  }
}

/**
 * {@link scanBatches} with kernel conjuncts: per batch, each kernel conjunct whose column is a
 * fixed-width array becomes a selection (ANDed together); the others and `rest` run per row on
 * the selected rows. The selected row numbers are copied out of the kernels' scratch before any
 * row is emitted, because an emitted row may run another scan (a join level, a subquery) that
 * resets the scratch.
 */
function scanWithKernels(
  cursor: TableCursor, slots: RowSlots, kc: KernelContext, kernel: ReturnType<typeof bindKernelPreds>['kernel'], rest: readonly Ev[],
  env: Env, emit: () => boolean,
): boolean {
  const { k, stats } = kc;
  let rowsBuf = new Uint32Array(0);
  const scalar: Ev[] = [];
  const reader = readerFor(slots);
  try {
    for (let b = cursor.nextBatch(); b; b = cursor.nextBatch()) {
      slots.interrupt?.();
      const n = b.length;
      reader.batch(b);
      const sel = batchSelection(b, kernel, rest, kc, env, scalar);
      if (sel === null) {
        for (let i = 0; i < n; i++) {
          reader.load(b, i, env.row);
          if (passes(scalar, env) && !emit()) return false;
        }
        continue;
      }
      stats.filterBatches++;
      if (rowsBuf.length < n) rowsBuf = new Uint32Array(Math.max(n, 1024));
      const rows = k.selectedRows(sel, rowsBuf);
      // Copied: emit() below may reset the scratch the selection lives in; rows live in rowsBuf.
      const m = rows.length;
      for (let j = 0; j < m; j++) {
        reader.load(b, rows[j]!, env.row);
        if ((scalar.length === 0 || passes(scalar, env)) && !emit()) return false;
      }
    }
    return true;
  } finally {
    cursor.close();
  }
}

const allColumnLists: number[][] = [];
/** [0, 1, …, n-1], shared per n. */
function allColumns(n: number): readonly number[] {
  return (allColumnLists[n] ??= Array.from({ length: n }, (_, c) => c));
}

/** Fetches rows by rowid (index probes, IN lists) and filters them like {@link scanBatches}. */
export function fetchRowids(txn: StorageTxn, table: number, rowids: Iterable<Rowid>, slots: RowSlots, filters: readonly Ev[], env: Env, emit: () => boolean): boolean {
  const row = env.row;
  const cols = slots.cols ?? allColumns(slots.ncols);
  let sinceCheck = 0;
  for (const id of rowids) {
    if (slots.interrupt && ++sinceCheck === FETCH_CHECK_EVERY) { sinceCheck = 0; slots.interrupt(); }
    if (!txn.readInto(table, id, cols, row, slots.offset)) continue;
    row[slots.rowidSlot] = id;
    if (filters.length === 0 || passes(filters, env)) {
      if (!emit()) return false;
    }
  }
  return true;
}
