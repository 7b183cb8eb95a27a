/**
 * SQLite arithmetic: INTEGER operations in 64 bits that fall back to REAL on overflow, integer
 * division truncating toward zero, x/0 and x%0 giving NULL, REAL % done on the integer parts,
 * text operands read by their numeric prefix, NaN results becoming NULL.
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import { MAX_I64, MIN_I64, realToI64, toInteger, toNumeric, toText } from './value.js';

export function arith(op: string, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  const x = typeof a === 'bigint' || typeof a === 'number' ? a : toNumeric(a)!;
  const y = typeof b === 'bigint' || typeof b === 'number' ? b : toNumeric(b)!;
  if (typeof x === 'bigint' && typeof y === 'bigint') {
    let r: bigint;
    switch (op) {
      case '+': r = x + y; break;
      case '-': r = x - y; break;
      case '*': r = x * y; break;
      case '/':
        if (y === 0n) return null;
        if (x === MIN_I64 && y === -1n) return -Number(x);
        return x / y;
      default:
        if (y === 0n) return null;
        if (y === -1n) return 0n;
        return x % y;
    }
    if (r > MAX_I64 || r < MIN_I64) {
      const fx = Number(x);
      const fy = Number(y);
      return op === '+' ? fx + fy : op === '-' ? fx - fy : fx * fy;
    }
    return r;
  }
  const fx = Number(x);
  const fy = Number(y);
  let r: number;
  switch (op) {
    case '+': r = fx + fy; break;
    case '-': r = fx - fy; break;
    case '*': r = fx * fy; break;
    case '/': if (fy === 0) return null; r = fx / fy; break;
    default: {
      // SQLite takes the integer values of the original operands (text by its integer prefix).
      const ia = typeof a === 'number' ? realToI64(a) : toInteger(a)!;
      let ib = typeof b === 'number' ? realToI64(b) : toInteger(b)!;
      if (ib === 0n) return null;
      if (ib === -1n) ib = 1n;
      r = Number(ia % ib);
    }
  }
  return Number.isNaN(r) ? null : r;
}

export function negate(v: Value): Value {
  if (v === null) return null;
  const n = typeof v === 'bigint' || typeof v === 'number' ? v : toNumeric(v)!;
  if (typeof n === 'bigint') return n === MIN_I64 ? -Number(n) : -n;
  return -n;
}

export function concat(a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  const s = toText(a)! + toText(b)!;
  if (s.length > 100_000_000) throw sqlError('string or blob too big');
  return s;
}

export function bitOp(op: string, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  const x = toInteger(a)!;
  let y = toInteger(b)!;
  switch (op) {
    case '&': return x & y;
    case '|': return x | y;
  }
  let left = op === '<<';
  if (y < 0n) { left = !left; y = -y; }
  if (y >= 64n) return left || x >= 0n ? 0n : -1n;
  return BigInt.asIntN(64, left ? x << y : x >> y);
}
