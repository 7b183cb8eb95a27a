/**
 * {@link Kernels}: the executor-facing object. It owns the scratch region (selection bitmaps,
 * IN-list sets, kernel results), validates every offset before a backend sees it, turns SQL
 * predicates into backend ranges ({@link ./constants.ts}) and aggregates into SQLite's results
 * ({@link ./sum.ts}). Everything here is backend-independent, which is what makes the results so.
 */
import { HeliosError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import {
  betweenPlan, checkOp, f64Range, f64Set, i64Range, i64Set,
  type CompareOp, type F64Range, type I64Range, type SqlConstant,
} from './constants.js';
import { MemoryViews } from './memory-views.js';
import { Scratch } from './scratch.js';
import { Validator } from './validate.js';
import type { SumAccumulator } from './sum.js';

/** A fixed-width column on a page: {@link FixedColumnView} from storage fits as is. */
export interface ColumnRef {
  readonly kind: 'i64' | 'f64';
  /** Byte offset of element 0; 8-aligned. */
  readonly byteOffset: number;
  /** Byte offset of the null bitmap: bit i (LSB first) set = row i is NULL. */
  readonly nullBitmapOffset: number;
  /** When given, must be the kernels' memory (checked). */
  readonly memory?: WebAssembly.Memory;
}

/**
 * A selection bitmap in the scratch region: bit i (LSB first) set = row i selected; padding bits
 * of the last byte are zero. Valid until {@link Kernels.reset} (or a release past its mark).
 */
export interface Selection {
  readonly byteOffset: number;
  readonly rows: number;
}

/** Per-row u32 hashes in the scratch region (4-aligned); valid until {@link Kernels.reset}. */
export interface HashArray {
  readonly byteOffset: number;
  readonly rows: number;
}

export class Kernels {
  /** The backend in use: 'avx512' | 'avx2' | 'wasm' | 'none' (the scalar reference). */
  readonly backend: BackendName;
  private readonly views: MemoryViews;
  private readonly scratch: Scratch;
  private readonly check: Validator;

  constructor(
    private readonly impl: Backend,
    readonly memory: WebAssembly.Memory,
    scratch: { readonly byteOffset: number; readonly byteLength: number },
  ) {
    this.backend = impl.name;
    this.views = new MemoryViews(memory);
    this.scratch = new Scratch(memory, scratch);
    this.check = new Validator(memory);
  }

  // ---- scratch ---------------------------------------------------------------------------

  /** A new selection for `rows` rows (contents undefined until a kernel writes it). */
  selection(rows: number): Selection {
    this.check.rows(rows, 'selection');
    return { byteOffset: this.scratch.alloc((rows + 7) >>> 3, 'selection'), rows };
  }

  /** The scratch position now; {@link release} frees everything allocated after it. */
  mark(): number {
    return this.scratch.mark();
  }

  release(mark: number): void {
    this.scratch.release(mark);
  }

  /** Frees every selection and hash array (call between batches). */
  reset(): void {
    this.scratch.reset();
  }

  private output(out: Selection | undefined, rows: number, where: string): Selection {
    if (out === undefined) return this.selection(rows);
    this.check.selection(out, rows, where);
    return out;
  }

  // ---- filters ---------------------------------------------------------------------------

  /**
   * Rows where `column op value` is TRUE (SQL three-valued logic: NULL rows and a NULL value
   * select nothing). `value` is an SQL constant after affinity; see constants.ts for exactness.
   */
  compare(col: ColumnRef, rows: number, op: CompareOp, value: SqlConstant, out?: Selection): Selection {
    this.check.column(col, rows, 'compare');
    checkOp(op);
    const sel = this.output(out, rows, 'compare');
    this.runRange(col, rows, col.kind === 'i64' ? i64Range(op, value) : f64Range(op, value), sel);
    return sel;
  }

  /** Rows where `column BETWEEN lo AND hi` (or NOT BETWEEN, with `negate`) is TRUE. */
  between(col: ColumnRef, rows: number, lo: SqlConstant, hi: SqlConstant, negate = false, out?: Selection): Selection {
    this.check.column(col, rows, 'between');
    const sel = this.output(out, rows, 'between');
    const plan = col.kind === 'i64' ? betweenPlan(i64Range, lo, hi, negate) : betweenPlan(f64Range, lo, hi, negate);
    if (plan !== null && 'op' in plan) return this.compare(col, rows, plan.op, plan.value, sel);
    this.runRange(col, rows, plan, sel);
    return sel;
  }

  /**
   * Rows where `column IN (values)` (or NOT IN, with `negate`) is TRUE. A NULL in the list makes
   * NOT IN never TRUE. The list is scanned linearly per row: meant for small lists (≤ ~64); a
   * planner should hash longer ones.
   */
  inList(col: ColumnRef, rows: number, values: readonly SqlConstant[], negate = false, out?: Selection): Selection {
    this.check.column(col, rows, 'inList');
    const sel = this.output(out, rows, 'inList');
    const { set, hasNull } = col.kind === 'i64' ? i64Set(values) : f64Set(values);
    if (negate && hasNull) return this.fill(sel, false);
    const mark = this.scratch.mark();
    const at = this.scratch.alloc(set.length * 8, 'inList');
    const v = this.views.cover(this.check.size);
    if (col.kind === 'i64') {
      v.i64.set(set as bigint[], at >>> 3);
      this.impl.inI64(col.byteOffset, col.nullBitmapOffset, rows, at, set.length, negate, sel.byteOffset);
    } else {
      v.f64.set(set as number[], at >>> 3);
      this.impl.inF64(col.byteOffset, col.nullBitmapOffset, rows, at, set.length, negate, sel.byteOffset);
    }
    this.scratch.release(mark);
    return sel;
  }

  /** Rows that are not NULL (and, for f64, not NaN): `column IS NOT NULL`. */
  notNull(col: ColumnRef, rows: number, out?: Selection): Selection {
    this.check.column(col, rows, 'notNull');
    const sel = this.output(out, rows, 'notNull');
    if (col.kind === 'i64') this.impl.notBits(col.nullBitmapOffset, rows, sel.byteOffset);
    else this.impl.validF64(col.byteOffset, col.nullBitmapOffset, rows, sel.byteOffset);
    return sel;
  }

  private runRange(col: ColumnRef, rows: number, r: I64Range | F64Range | null, sel: Selection): void {
    if (r === null) { this.fill(sel, false); return; }
    if (col.kind === 'i64') {
      const { lo, hi, negate } = r as I64Range;
      this.impl.rangeI64(col.byteOffset, col.nullBitmapOffset, rows, lo, hi, negate, sel.byteOffset);
    } else {
      const { lo, hi, negate } = r as F64Range;
      this.impl.rangeF64(col.byteOffset, col.nullBitmapOffset, rows, lo, hi, negate, sel.byteOffset);
    }
  }

  private fill(sel: Selection, on: boolean): Selection {
    const bytes = (sel.rows + 7) >>> 3;
    const u8 = this.views.cover(this.check.size).u8;
    u8.fill(on ? 0xff : 0, sel.byteOffset, sel.byteOffset + bytes);
    if (on && (sel.rows & 7) !== 0) u8[sel.byteOffset + bytes - 1] = (1 << (sel.rows & 7)) - 1;
    return sel;
  }

  // ---- selection algebra -----------------------------------------------------------------
  // These combine TRUE-sets. For SQL: TRUE(a AND b) = a & b, TRUE(a OR b) = a | b, and
  // TRUE(NOT p) = ~TRUE(p) & ~UNKNOWN(p) — for a comparison on one column that is
  // andNot(notNull(col), p), or simply the complementary comparison.

  and(a: Selection, b: Selection, out?: Selection): Selection {
    return this.binary(a, b, out, 'and', (x, y, n, o) => this.impl.andBits(x, y, n, o));
  }

  or(a: Selection, b: Selection, out?: Selection): Selection {
    return this.binary(a, b, out, 'or', (x, y, n, o) => this.impl.orBits(x, y, n, o));
  }

  /** a AND NOT b (bitwise). */
  andNot(a: Selection, b: Selection, out?: Selection): Selection {
    return this.binary(a, b, out, 'andNot', (x, y, n, o) => this.impl.andNotBits(x, y, n, o));
  }

  /** Bitwise complement over the selection's rows (not SQL NOT: see the note above). */
  not(a: Selection, out?: Selection): Selection {
    this.check.selection(a, a.rows, 'not');
    const o = this.output(out, a.rows, 'not');
    this.impl.notBits(a.byteOffset, a.rows, o.byteOffset);
    return o;
  }

  /** All `rows` rows selected. */
  all(rows: number, out?: Selection): Selection {
    this.check.rows(rows, 'all');
    return this.fill(this.output(out, rows, 'all'), true);
  }

  /** Number of selected rows: COUNT(*) over a filter. */
  popcount(sel: Selection): number {
    this.check.selection(sel, sel.rows, 'popcount');
    return this.impl.popcount(sel.byteOffset, sel.rows);
  }

  /**
   * The selected row numbers in ascending order, written into `out` (or a new array) — what the
   * executor iterates to materialize result rows. Returns the filled prefix of `out`.
   */
  selectedRows(sel: Selection, out?: Uint32Array): Uint32Array {
    this.check.selection(sel, sel.rows, 'selectedRows');
    const u8 = this.views.cover(this.check.size).u8;
    const bytes = (sel.rows + 7) >>> 3;
    let n = 0;
    if (out === undefined) {
      out = new Uint32Array(this.impl.popcount(sel.byteOffset, sel.rows));
    } else if (out.length < sel.rows) {
      throw new HeliosError('INTERNAL', `kernels.selectedRows: out holds ${out.length} rows, the selection ${sel.rows}`);
    }
    for (let j = 0; j < bytes; j++) {
      let b = u8[sel.byteOffset + j]!;
      while (b !== 0) {
        const low = b & -b; // lowest set bit
        out[n++] = (j << 3) + 31 - Math.clz32(low);
        b ^= low;
      }
    }
    return out.subarray(0, n);
  }

  private binary(a: Selection, b: Selection, out: Selection | undefined, where: string,
    fn: (a: number, b: number, rows: number, out: number) => void): Selection {
    this.check.selection(a, a.rows, where);
    this.check.selection(b, a.rows, where);
    const o = this.output(out, a.rows, where);
    fn(a.byteOffset, b.byteOffset, a.rows, o.byteOffset);
    return o;
  }

  // ---- hashing ---------------------------------------------------------------------------

  /**
   * GROUP BY / hash-join hashes of the column's rows: `rows` u32 in scratch (see hash.ts for the
   * function). Equal SQL values hash equally across i64 and f64 columns (1 and 1.0, -0 and 0);
   * NULL and NaN rows hash to 0 — tell them apart with {@link notNull}.
   */
  hash(col: ColumnRef, rows: number, seed = 0): HashArray {
    this.check.column(col, rows, 'hash');
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new HeliosError('INTERNAL', `kernels.hash: seed ${seed} is not a u32`);
    }
    const at = this.scratch.alloc(rows * 4, 'hash');
    if (col.kind === 'i64') this.impl.hashI64(col.byteOffset, col.nullBitmapOffset, rows, seed, at);
    else this.impl.hashF64(col.byteOffset, col.nullBitmapOffset, rows, seed, at);
    return { byteOffset: at, rows };
  }

  /** A view of a hash array. IMPORTANT: invalid after memory.grow() and after reset(). */
  hashValues(h: HashArray): Uint32Array {
    this.check.range(h.byteOffset, h.rows * 4, 'hash array', 'hashValues');
    return new Uint32Array(this.memory.buffer, h.byteOffset, h.rows);
  }

  // ---- aggregates ------------------------------------------------------------------------

  /** The selected rows that hold a value (not NULL, not NaN), in a fresh scratch selection. */
  private effective(col: ColumnRef, rows: number, sel: Selection | undefined, where: string): Selection {
    this.check.column(col, rows, where);
    if (sel !== undefined) this.check.selection(sel, rows, where);
    const eff = this.selection(rows);
    if (col.kind === 'i64') {
      if (sel === undefined) this.impl.notBits(col.nullBitmapOffset, rows, eff.byteOffset);
      else this.impl.andNotBits(sel.byteOffset, col.nullBitmapOffset, rows, eff.byteOffset);
    } else {
      this.impl.validF64(col.byteOffset, col.nullBitmapOffset, rows, eff.byteOffset);
      if (sel !== undefined) this.impl.andBits(eff.byteOffset, sel.byteOffset, rows, eff.byteOffset);
    }
    return eff;
  }

  /** COUNT(column) over the selection (all rows when `sel` is omitted). */
  count(col: ColumnRef, rows: number, sel?: Selection): number {
    const mark = this.scratch.mark();
    const eff = this.effective(col, rows, sel, 'count');
    const n = this.impl.popcount(eff.byteOffset, rows);
    this.scratch.release(mark);
    return n;
  }

  /**
   * Adds the selected values to `acc` (SQLite's sum/total/avg state). i64 batches take the exact
   * fast path when no running sum can overflow, else are stepped row by row exactly as SQLite.
   */
  sum(col: ColumnRef, rows: number, sel: Selection | undefined, acc: SumAccumulator): void {
    const mark = this.scratch.mark();
    const eff = this.effective(col, rows, sel, 'sum');
    const n = this.impl.popcount(eff.byteOffset, rows);
    if (n > 0) {
      if (col.kind === 'i64') this.sumIntegers(col, rows, eff, n, acc);
      else {
        this.impl.sumF64(col.byteOffset, eff.byteOffset, rows, this.scratch.resultAt);
        const v = this.views.cover(this.check.size);
        acc.addRealLanes(v.f64, n, this.scratch.resultAt >>> 3);
      }
    }
    this.scratch.release(mark);
  }

  private sumIntegers(col: ColumnRef, rows: number, eff: Selection, n: number, acc: SumAccumulator): void {
    if (acc.exact) {
      this.impl.sumI64(col.byteOffset, eff.byteOffset, rows, this.scratch.resultAt);
      const { i64, u64 } = this.views.cover(this.check.size);
      const r = this.scratch.resultAt >>> 3;
      const pos = (i64[r]! << 32n) + u64[r + 1]!;
      const neg = (i64[r + 2]! << 32n) + u64[r + 3]!;
      if (acc.addIntegerBatch(pos, neg, n)) return;
    }
    // Possible overflow inside the batch, or the sum is already REAL: step in row order.
    this.forEachSelected(eff, (i, v) => acc.stepInteger(v.i64[(col.byteOffset >>> 3) + i]!));
  }

  /** MIN(column) over the selection: NULL when nothing is selected. */
  min(col: ColumnRef, rows: number, sel?: Selection): bigint | number | null {
    return this.extreme(col, rows, sel, 'min');
  }

  /** MAX(column) over the selection: NULL when nothing is selected. */
  max(col: ColumnRef, rows: number, sel?: Selection): bigint | number | null {
    return this.extreme(col, rows, sel, 'max');
  }

  private extreme(col: ColumnRef, rows: number, sel: Selection | undefined, which: 'min' | 'max'): bigint | number | null {
    const mark = this.scratch.mark();
    const eff = this.effective(col, rows, sel, which);
    let r: bigint | number | null = null;
    if (this.impl.popcount(eff.byteOffset, rows) > 0) {
      if (col.kind === 'i64') {
        r = which === 'min' ? this.impl.minI64(col.byteOffset, eff.byteOffset, rows) : this.impl.maxI64(col.byteOffset, eff.byteOffset, rows);
      } else {
        r = which === 'min' ? this.impl.minF64(col.byteOffset, eff.byteOffset, rows) : this.impl.maxF64(col.byteOffset, eff.byteOffset, rows);
        // SQLite keeps the first of equal values; only ±0 are equal yet distinguishable.
        if (r === 0) r = this.firstZero(col, eff);
      }
    }
    this.scratch.release(mark);
    return r;
  }

  private firstZero(col: ColumnRef, eff: Selection): number {
    let found: number | undefined;
    this.forEachSelected(eff, (i, v) => {
      const x = v.f64[(col.byteOffset >>> 3) + i]!;
      if (found === undefined && x === 0) found = x;
    });
    return found ?? 0;
  }

  private forEachSelected(sel: Selection, fn: (i: number, views: MemoryViews) => void): void {
    const v = this.views.cover(this.check.size);
    for (let i = 0; i < sel.rows; i++) {
      if ((v.u8[sel.byteOffset + (i >>> 3)]! >>> (i & 7)) & 1) fn(i, v);
    }
  }
}
