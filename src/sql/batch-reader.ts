/**
 * Copies a {@link RowBatch}'s rows into a scope row, only the columns the query reads. Where a
 * batch exposes a column as a fixed-width array in the buffer pool's memory (a PAX INTEGER/REAL
 * column with no exception in the batch: {@link RowBatch.fixedColumn}), values come straight
 * from that array and its null bitmap instead of `RowBatch.value`, which locates the cell on the
 * page for every row (null bit, exception bit, slot arithmetic) — the per-row cost of a scan.
 *
 * The pool's memory never grows (buffer-pool.ts), so the typed-array views made here stay valid;
 * they are still re-made whenever a batch's memory buffer differs from the one they view.
 */
import type { RowBatch, Value } from '../storage/api.js';

/** Where column k of the reader's list comes from in the current batch. */
const VIA_VALUE = 0;
const VIA_I64 = 1;
const VIA_F64 = 2;

export class BatchReader {
  private readonly via: Uint8Array;
  /** Index of row 0's element in the 8-byte views, per column. */
  private readonly at: Float64Array;
  /** Byte offset of the null bitmap (bit i = row i is NULL), per column. */
  private readonly nul: Float64Array;
  private buffer: ArrayBufferLike | null = null;
  private u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private i64: BigInt64Array<ArrayBufferLike> = new BigInt64Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);

  constructor(private readonly cols: readonly number[], private readonly offset: number, private readonly rowidSlot: number) {
    this.via = new Uint8Array(cols.length);
    this.at = new Float64Array(cols.length);
    this.nul = new Float64Array(cols.length);
  }

  /** Prepares for the rows of `b` (call once per batch, before {@link load}). */
  batch(b: RowBatch): void {
    for (let k = 0; k < this.cols.length; k++) {
      const f = b.fixedColumn(this.cols[k]!);
      if (f === null) { this.via[k] = VIA_VALUE; continue; }
      const buf = f.memory.buffer;
      if (buf !== this.buffer) {
        this.buffer = buf;
        this.u8 = new Uint8Array(buf);
        this.i64 = new BigInt64Array(buf);
        this.f64 = new Float64Array(buf);
      }
      this.via[k] = f.kind === 'i64' ? VIA_I64 : VIA_F64;
      this.at[k] = f.byteOffset / 8;
      this.nul[k] = f.nullBitmapOffset;
    }
  }

  /** Copies row `i` of the batch last passed to {@link batch} into `row`. */
  load(b: RowBatch, i: number, row: Value[]): void {
    const { cols, via, offset } = this;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      const how = via[k]!;
      if (how === VIA_VALUE) row[offset + c] = b.value(i, c);
      else if ((this.u8[this.nul[k]! + (i >> 3)]! >> (i & 7)) & 1) row[offset + c] = null;
      else row[offset + c] = how === VIA_I64 ? this.i64[this.at[k]! + i]! : this.f64[this.at[k]! + i]!;
    }
    row[this.rowidSlot] = b.rowid(i);
  }
}
