/**
 * The executor's inner loops over storage batches — the one place where a filter is evaluated
 * over a whole RowBatch. The kernels layer replaces {@link scanBatches}' per-row predicate with
 * SIMD filters over `RowBatch.fixedColumn` arrays when a conjunct is a simple column-vs-constant
 * comparison; everything else (and the reference behaviour) is the scalar loop below.
 */
import type { RowBatch, Rowid, StorageTxn, TableCursor, Value } from '../storage/api.js';
import type { Ev } from './compile-expr.js';
import type { Env } from './scope.js';
import { truth } from './value.js';

/** Where a source's row goes in the scope row: columns at `offset`, rowid at `rowidSlot`. */
export interface RowSlots { readonly offset: number; readonly ncols: number; readonly rowidSlot: number }

/** True when every filter is true for the current env (NULL counts as false). */
export function passes(filters: readonly Ev[], env: Env): boolean {
  for (let i = 0; i < filters.length; i++) if (truth(filters[i]!(env)) !== true) return false;
  return true;
}

function loadRow(batch: RowBatch, i: number, slots: RowSlots, row: Value[]): void {
  const { offset, ncols } = slots;
  for (let c = 0; c < ncols; c++) row[offset + c] = batch.value(i, c);
  row[slots.rowidSlot] = batch.rowid(i);
}

/**
 * Drives a table cursor batch by batch: loads each row into the env's slots, applies the
 * filters, emits survivors. `emit` returns false to stop (LIMIT reached); then so does this.
 */
export function scanBatches(cursor: TableCursor, slots: RowSlots, filters: readonly Ev[], env: Env, emit: () => boolean): boolean {
  try {
    for (let b = cursor.nextBatch(); b; b = cursor.nextBatch()) {
      // IMPORTANT: the batch is valid only until the cursor advances; rows are copied into env.row.
      const n = b.length;
      for (let i = 0; i < n; i++) {
        loadRow(b, i, slots, env.row);
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

/** Fetches rows by rowid (index probes, IN lists) and filters them like {@link scanBatches}. */
export function fetchRowids(txn: StorageTxn, table: number, rowids: Iterable<Rowid>, slots: RowSlots, filters: readonly Ev[], env: Env, emit: () => boolean): boolean {
  const row = env.row;
  for (const id of rowids) {
    const r = txn.get(table, id);
    if (!r) continue;
    for (let c = 0; c < slots.ncols; c++) row[slots.offset + c] = r[c] ?? null;
    row[slots.rowidSlot] = id;
    if (filters.length === 0 || passes(filters, env)) {
      if (!emit()) return false;
    }
  }
  return true;
}
