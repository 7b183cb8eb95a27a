/**
 * Comparison as SQLite's binary operators do it: the affinity applied to the operands before
 * comparing (§4.2 of "Datatypes In SQLite") and the collating sequence chosen from the operands
 * (explicit COLLATE first, then a column's collation, left before right).
 */
import type { Value } from '../storage/api.js';
import { applyAffinity, compareValues, isNumericAff, type Affinity, type CollationName } from './value.js';

/** What the binder knows of an operand for comparison purposes. */
export interface OperandInfo { readonly aff: Affinity; readonly coll: CollationName | null; readonly explicitColl: boolean }

/** The affinity applied to both operands of a comparison (sqlite3CompareAffinity). */
export function comparisonAffinity(a: Affinity, b: Affinity): Affinity {
  if (a !== 'none' && b !== 'none') return isNumericAff(a) || isNumericAff(b) ? 'numeric' : 'none';
  return a !== 'none' ? (a === 'blob' ? 'none' : a) : b === 'blob' ? 'none' : b;
}

export function comparisonCollation(l: OperandInfo, r: OperandInfo): CollationName {
  if (l.explicitColl) return l.coll!;
  if (r.explicitColl) return r.coll!;
  return l.coll ?? r.coll ?? 'BINARY';
}

export type Cmp = (a: Value, b: Value) => number;

/** A comparator of two non-NULL values with `aff` applied to both sides first. */
export function makeCmp(aff: Affinity, coll: CollationName): Cmp {
  if (aff === 'none' || aff === 'blob') return (a, b) => compareValues(a, b, coll);
  const conv: Affinity = isNumericAff(aff) ? 'numeric' : 'text';
  return (a, b) => {
    if (typeof a === 'string' || (conv === 'text' && (typeof a === 'bigint' || typeof a === 'number'))) a = applyAffinity(a, conv);
    if (typeof b === 'string' || (conv === 'text' && (typeof b === 'bigint' || typeof b === 'number'))) b = applyAffinity(b, conv);
    return compareValues(a, b, coll);
  };
}
