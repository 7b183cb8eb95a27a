/** A RowBatch over rows held as JS arrays (the memory engine has no fixed-width column arrays). */
import type { FixedColumnView, RowBatch, Rowid, Value } from '../api.js';

export class MemoryRowBatch implements RowBatch {
  constructor(private readonly ids: Rowid[], private readonly rows: Value[][]) {}
  get length(): number { return this.ids.length; }
  rowid(i: number): Rowid { return this.ids[i]!; }
  value(i: number, column: number): Value { return this.rows[i]![column] ?? null; }
  fixedColumn(_column: number): FixedColumnView | null { return null; }
}
