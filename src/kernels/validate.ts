/**
 * Argument checks the Kernels object runs before any backend sees a call: a backend may then
 * assume in-bounds, aligned offsets (the native one could otherwise corrupt memory, and a WASM
 * trap would leave a half-written selection). Each failure is a HeliosError INTERNAL — a caller
 * bug, not a user error — naming the method and the offending range.
 */
import { HeliosError } from '../errors.js';

/** Rows per call: 2^31 keeps i32 row indexes and the exact-sum bound of sumI64. */
export const MAX_ROWS = 2 ** 31 - 1;

export interface CheckedColumn {
  readonly kind: string;
  readonly byteOffset: number;
  readonly nullBitmapOffset: number;
  readonly memory?: WebAssembly.Memory;
}

export class Validator {
  /**
   * A size the memory has at least (it never shrinks): ranges inside it pass without reading
   * `memory.buffer` (a C++ getter, ~60–110 ns); a range beyond it re-reads the size first.
   */
  size: number;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.size = memory.buffer.byteLength;
  }

  rows(rows: number, where: string): void {
    if (!Number.isInteger(rows) || rows < 0 || rows > MAX_ROWS) {
      throw new HeliosError('INTERNAL', `kernels.${where}: row count ${rows} is not an integer in [0, ${MAX_ROWS}]`);
    }
  }

  range(at: number, bytes: number, what: string, where: string): void {
    if (Number.isInteger(at) && at >= 0 && at + bytes <= this.size) return;
    const size = (this.size = this.memory.buffer.byteLength);
    if (!Number.isInteger(at) || at < 0 || at + bytes > size) {
      throw new HeliosError('INTERNAL', `kernels.${where}: ${what} [${at}, ${at + bytes}) is outside the memory (${size} bytes)`);
    }
  }

  column(col: CheckedColumn, rows: number, where: string): void {
    this.rows(rows, where);
    if (col.memory !== undefined && col.memory !== this.memory) {
      throw new HeliosError('INTERNAL', `kernels.${where}: the column lives in a different WebAssembly.Memory than these kernels`);
    }
    if (col.kind !== 'i64' && col.kind !== 'f64') {
      throw new HeliosError('INTERNAL', `kernels.${where}: column kind must be 'i64' or 'f64', got ${JSON.stringify(col.kind)}`);
    }
    if (col.byteOffset % 8 !== 0) {
      throw new HeliosError('INTERNAL', `kernels.${where}: column byteOffset ${col.byteOffset} is not 8-aligned`);
    }
    this.range(col.byteOffset, rows * 8, 'column values', where);
    this.range(col.nullBitmapOffset, (rows + 7) >>> 3, 'null bitmap', where);
  }

  selection(sel: { readonly byteOffset: number; readonly rows: number }, rows: number, where: string): void {
    if (sel.rows !== rows) {
      throw new HeliosError('INTERNAL', `kernels.${where}: selection has ${sel.rows} rows, expected ${rows}`);
    }
    this.range(sel.byteOffset, (rows + 7) >>> 3, 'selection', where);
  }
}
