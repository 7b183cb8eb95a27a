/**
 * Turning an SQL comparison against a constant into the one test the backends implement: a
 * closed range `lo <= x <= hi` on the column's own type, possibly empty, possibly negated.
 *
 * Semantics are SQLite's for a column holding only INTEGER (i64) or only REAL (f64) values and a
 * constant of any storage class, after the caller has applied column affinity to the constant:
 * - INTEGER vs REAL compares the exact mathematical values (sqlite3IntFloatCompare): `qty > 2.5`
 *   on an i64 column is `qty >= 3`; `x = 9007199254740993` on an f64 column matches nothing.
 * - TEXT and BLOB constants are greater than every number, so `x < 'a'` selects every non-NULL
 *   row and `x >= 'a'` none.
 * - A NULL constant (or a NaN one, which SQLite reads as NULL) makes the comparison NULL: nothing
 *   is selected, negated or not.
 * Ranges are closed because every strict bound has an exact closed equivalent in the column's
 * type: `x < c` is `x <= c - 1` for integers and `x <= nextDown(c)` for doubles.
 */
import { HeliosError } from '../errors.js';

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
const TWO63 = 2 ** 63;

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
/** An SQL constant as storage represents values (NULL, INTEGER, REAL, TEXT, BLOB). */
export type SqlConstant = null | bigint | number | string | Uint8Array;

export interface I64Range { readonly lo: bigint; readonly hi: bigint; readonly negate: boolean }
export interface F64Range { readonly lo: number; readonly hi: number; readonly negate: boolean }

/** The selection is empty: no row satisfies the predicate (NULL compares or an empty range). */
export const NOTHING = null;

const I64_ALL: I64Range = { lo: I64_MIN, hi: I64_MAX, negate: false };
const I64_NONE: I64Range = { lo: 1n, hi: 0n, negate: false };
const F64_ALL: F64Range = { lo: -Infinity, hi: Infinity, negate: false };
const F64_NONE: F64Range = { lo: Infinity, hi: -Infinity, negate: false };

const scratch = new DataView(new ArrayBuffer(8));

/** The next double above x (x finite or -Infinity); +Infinity stays. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  scratch.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return scratch.getFloat64(0);
}

/** The next double below x. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

export function checkOp(op: string): asserts op is CompareOp {
  if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) {
    throw new HeliosError('INTERNAL', `kernels: unknown comparison operator ${JSON.stringify(op)}`);
  }
}

function checkI64(c: bigint): void {
  if (c < I64_MIN || c > I64_MAX) {
    throw new HeliosError('INTERNAL', `kernels: INTEGER constant ${c} is outside the 64-bit range`);
  }
}

const isNumeric = (c: SqlConstant): c is bigint | number => typeof c === 'bigint' || typeof c === 'number';

/** `x op text-or-blob`: numbers sort before TEXT and BLOB. */
function vsNonNumeric<R>(op: CompareOp, all: R, none: R): R {
  return op === '<' || op === '<=' || op === '<>' ? all : none;
}

/** `x op c` on an i64 column, or null when the comparison is NULL for every row. */
export function i64Range(op: CompareOp, c: SqlConstant): I64Range | null {
  if (c === null || (typeof c === 'number' && Number.isNaN(c))) return NOTHING;
  if (!isNumeric(c)) return vsNonNumeric(op, I64_ALL, I64_NONE);
  if (typeof c === 'number') {
    if (c >= TWO63) return op === '<' || op === '<=' || op === '<>' ? I64_ALL : I64_NONE;
    if (c < -TWO63) return op === '>' || op === '>=' || op === '<>' ? I64_ALL : I64_NONE;
    if (!Number.isInteger(c)) {
      const f = BigInt(Math.floor(c)); // f < c < f + 1, both in range: |c| < 2^52 here
      switch (op) {
        case '=': return I64_NONE;
        case '<>': return I64_ALL;
        case '<': case '<=': return { lo: I64_MIN, hi: f, negate: false };
        case '>': case '>=': return { lo: f + 1n, hi: I64_MAX, negate: false };
      }
    }
    c = BigInt(c);
  }
  checkI64(c);
  switch (op) {
    case '=': return { lo: c, hi: c, negate: false };
    case '<>': return { lo: c, hi: c, negate: true };
    case '<': return c === I64_MIN ? I64_NONE : { lo: I64_MIN, hi: c - 1n, negate: false };
    case '<=': return { lo: I64_MIN, hi: c, negate: false };
    case '>': return c === I64_MAX ? I64_NONE : { lo: c + 1n, hi: I64_MAX, negate: false };
    case '>=': return { lo: c, hi: I64_MAX, negate: false };
  }
}

/** `x op c` on an f64 column, or null when the comparison is NULL for every row. */
export function f64Range(op: CompareOp, c: SqlConstant): F64Range | null {
  if (c === null || (typeof c === 'number' && Number.isNaN(c))) return NOTHING;
  if (!isNumeric(c)) return vsNonNumeric(op, F64_ALL, F64_NONE);
  if (typeof c === 'bigint') {
    checkI64(c);
    const d = Number(c);
    if (BigInt(d) !== c) {
      // c lies strictly between two adjacent doubles: below..above.
      const [below, above] = BigInt(d) > c ? [nextDown(d), d] : [d, nextUp(d)];
      switch (op) {
        case '=': return F64_NONE;
        case '<>': return F64_ALL;
        case '<': case '<=': return { lo: -Infinity, hi: below, negate: false };
        case '>': case '>=': return { lo: above, hi: Infinity, negate: false };
      }
    }
    c = d;
  }
  switch (op) {
    case '=': return { lo: c, hi: c, negate: false };
    case '<>': return { lo: c, hi: c, negate: true };
    case '<': return c === -Infinity ? F64_NONE : { lo: -Infinity, hi: nextDown(c), negate: false };
    case '<=': return { lo: -Infinity, hi: c, negate: false };
    case '>': return c === Infinity ? F64_NONE : { lo: nextUp(c), hi: Infinity, negate: false };
    case '>=': return { lo: c, hi: Infinity, negate: false };
  }
}

/**
 * `x BETWEEN lo AND hi` (or NOT BETWEEN) as one range: the intersection of `x >= lo` and
 * `x <= hi`, negated for NOT. With a NULL bound, BETWEEN is never TRUE, and NOT BETWEEN is TRUE
 * exactly where the other bound's side fails (`x NOT BETWEEN NULL AND 5` is `x > 5`): the
 * caller gets that as a plain comparison, `{ op, value }`.
 */
export function betweenPlan<R extends I64Range | F64Range>(
  range: (op: CompareOp, c: SqlConstant) => R | null,
  lo: SqlConstant, hi: SqlConstant, negate: boolean,
): R | { op: CompareOp; value: SqlConstant } | null {
  const nullLo = lo === null || (typeof lo === 'number' && Number.isNaN(lo));
  const nullHi = hi === null || (typeof hi === 'number' && Number.isNaN(hi));
  if (nullLo || nullHi) {
    if (!negate || (nullLo && nullHi)) return NOTHING;
    return nullLo ? { op: '>', value: hi } : { op: '<', value: lo };
  }
  const a = range('>=', lo)!, b = range('<=', hi)!;
  const pickLo = a.lo > b.lo ? a.lo : b.lo;
  const pickHi = a.hi < b.hi ? a.hi : b.hi;
  return { lo: pickLo, hi: pickHi, negate } as R;
}

/**
 * The IN-list values an i64 column can equal, deduplicated: INTEGERs, and REALs that are whole
 * numbers in range. `hasNull` reports a NULL in the list (then NOT IN is never TRUE).
 */
export function i64Set(values: readonly SqlConstant[]): { set: bigint[]; hasNull: boolean } {
  const set = new Set<bigint>();
  let hasNull = false;
  for (const v of values) {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) hasNull = true;
    else if (typeof v === 'bigint') { checkI64(v); set.add(v); }
    else if (typeof v === 'number' && Number.isInteger(v) && v >= -TWO63 && v < TWO63) set.add(BigInt(v));
  }
  return { set: [...set], hasNull };
}

/** The IN-list values an f64 column can equal: REALs, and INTEGERs a double holds exactly. */
export function f64Set(values: readonly SqlConstant[]): { set: number[]; hasNull: boolean } {
  const set = new Set<number>();
  let hasNull = false;
  for (const v of values) {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) hasNull = true;
    else if (typeof v === 'number') set.add(v === 0 ? 0 : v); // -0 and +0 match the same rows
    else if (typeof v === 'bigint') { checkI64(v); if (BigInt(Number(v)) === v) set.add(Number(v)); }
  }
  return { set: [...set], hasNull };
}
