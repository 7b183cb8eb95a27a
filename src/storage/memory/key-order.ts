/**
 * SQLite's key order for the memory engine's indexes: NULL < numbers (INTEGER and REAL compared
 * exactly) < TEXT (by collation) < BLOB (memcmp), each part reversed when DESC, then rowid.
 * Storage is a leaf layer, so this is its own copy of the rule (the SQL layer has value.ts).
 */
import type { Collation, IndexKeyPart, Value } from '../api.js';

function rank(v: Value): number {
  if (v === null) return 0;
  const t = typeof v;
  return t === 'bigint' || t === 'number' ? 1 : t === 'string' ? 2 : 3;
}

function cmpIntReal(b: bigint, x: number): number {
  const nb = Number(b);
  if (nb < x) return -1;
  if (nb > x) return 1;
  if (x >= 9223372036854775808) return -1;
  if (x < -9223372036854775808) return 1;
  const bx = BigInt(x);
  return b < bx ? -1 : b > bx ? 1 : 0;
}

const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function cmpText(a: string, b: string, coll: Collation): number {
  if (coll === 'nocase') { a = lowerAscii(a); b = lowerAscii(b); }
  else if (coll === 'rtrim') { a = a.replace(/ +$/, ''); b = b.replace(/ +$/, ''); }
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareValue(a: Value, b: Value, coll: Collation): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 0) return 0;
  if (ra === 1) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === 'bigint') return cmpIntReal(a, b as number);
    if (typeof b === 'bigint') return -cmpIntReal(b, a as number);
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ra === 2) return cmpText(a as string, b as string, coll);
  return Buffer.compare(a as Uint8Array, b as Uint8Array);
}

/** Compares key prefixes part by part (only the parts both have). */
export function compareKeys(parts: readonly IndexKeyPart[], a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    const c = compareValue(a[i]!, b[i]!, p.collation);
    if (c !== 0) return p.desc ? -c : c;
  }
  return 0;
}
