/**
 * Access-path choice for one table of a FROM clause: from the WHERE/ON conjuncts that compare a
 * column of this table with a value computable before it (constants, parameters, outer rows,
 * earlier tables), pick a rowid lookup or range, an index equality/IN/range probe, or a full
 * scan; and note whether the path yields rows in a given ORDER BY. Every conjunct is still
 * evaluated as a filter afterwards, so a path need only return a superset of the matching rows —
 * results never depend on which indexes exist.
 */
import type { IndexRange, KeyBound, Rowid, RowidRange, StorageTxn, Value } from '../storage/api.js';
import type { Expr } from './ast.js';
import type { IndexInfo, TableInfo } from './catalog.js';
import { comparisonAffinity } from './compare.js';
import type { CExpr, Ev } from './compile-expr.js';
import { fetchRowids, scanBatches, type RowSlots } from './batch-filter.js';
import type { Env } from './scope.js';
import { applyAffinity, compareValues, isNumericAff, realToExactInt, valueKey, type Affinity, type CollationName } from './value.js';

/** A usable comparison "column op value" found in a conjunct. */
export interface Sarg {
  /** Column of the table (-1 = rowid). */
  readonly column: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=' | 'IN';
  readonly values: CExpr[];
  /** For `col IN (SELECT …)` (uncorrelated): the subquery's values, read at run time. */
  readonly valuesFrom?: (env: Env) => Value[];
  /** The affinity the comparison applies (decides whether an index over raw values can serve). */
  readonly aff: Affinity;
  readonly coll: CollationName;
  /** Source text for EXPLAIN. */
  readonly text: string;
  /** The value's AST for '=' (routing looks for a literal or parameter). */
  readonly valueAst?: Expr;
}

/**
 * Where a statement runs: on the one partition owning a rowid (point access by a literal or a
 * parameter), or on all partitions. The coordinator routes by this.
 */
export type Route =
  | { readonly kind: 'single'; readonly table: string; readonly key: { readonly param: number } | { readonly value: Value } }
  | { readonly kind: 'all' };

/** The rowid equality of a single-table access, if the value is a literal or parameter. */
export function pointRoute(table: TableInfo, sargs: Sarg[]): Route | null {
  for (const s of sargs) {
    if (s.op !== '=' || !(s.column === -1 || s.column === table.rowidColumn) || !s.valueAst) continue;
    const v = s.valueAst;
    if (v.kind === 'param') return { kind: 'single', table: table.name, key: { param: v.index } };
    if (v.kind === 'lit') return { kind: 'single', table: table.name, key: { value: v.value } };
  }
  return null;
}

export interface AccessPath {
  readonly describe: string;
  /** ORDER BY is satisfied when the path is read forward (1) or the scan was built reversed (-1). */
  readonly ordered: boolean;
  /** True when the path narrows the rows (a probe or a bound), false for a full scan in some order. */
  readonly probes: boolean;
  /**
   * True when the path reads its rows through ONE table scan or ONE index scan (no rowid/IN
   * probe lists), so a reader can stop after any row and later resume after it by re-opening
   * that scan at the row's position (src/sql/query-cursor.ts).
   */
  readonly resumable?: boolean;
  run(txn: StorageTxn, slots: RowSlots, filters: readonly Ev[], env: Env, emit: () => boolean): boolean;
  /** Set for a plain full scan: the table it reads (the kernel aggregate path opens it itself). */
  readonly fullScanOf?: number;
  /**
   * Set when the path probes by this one equality alone — a rowid `=`, or `=` on a one-column
   * index — and so yields each probe's rows in ascending rowid order: a hash on the same
   * column over a scan of the table finds the same rows in the same order, so a join may switch
   * to one without changing its results or its selectivity.
   */
  readonly hashKey?: Sarg;
}

export interface OrderWish { readonly column: number; readonly desc: boolean; readonly coll: CollationName; readonly nullsDefault: boolean }

const probeAff = (sargAff: Affinity): Affinity => (isNumericAff(sargAff) ? 'numeric' : sargAff === 'text' ? 'text' : 'none');

/** Whether an index over the column's raw values can answer this comparison. */
export function sargUsable(colAff: Affinity, valueAff: Affinity): Affinity | null {
  const aff = comparisonAffinity(colAff, valueAff);
  if (aff === 'none' || aff === 'blob') return 'none';
  if (isNumericAff(aff) && isNumericAff(colAff)) return 'numeric';
  if (aff === 'text' && colAff === 'text') return 'text';
  return null;
}

function toRowid(v: Value): Rowid | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return realToExactInt(v);
  return null;
}

function evalProbe(s: Sarg, env: Env): Value[] {
  const out: Value[] = [];
  const aff = probeAff(s.aff);
  for (const c of s.values) {
    const v = c.ev(env);
    if (v === null) continue;
    out.push(aff === 'none' ? v : applyAffinity(v, aff));
  }
  if (s.valuesFrom) {
    for (const v of s.valuesFrom(env)) if (v !== null) out.push(aff === 'none' ? v : applyAffinity(v, aff));
  }
  return out;
}

function rowidPath(table: TableInfo, sargs: Sarg[], order: OrderWish[] | null): AccessPath | null {
  const rs = sargs.filter((s) => s.column === -1 || s.column === table.rowidColumn);
  const eq = rs.find((s) => s.op === '=' || s.op === 'IN');
  if (eq) {
    return {
      describe: `SEARCH ${table.name} USING INTEGER PRIMARY KEY (rowid${eq.op === 'IN' ? ' IN (…)' : '=?'})`,
      probes: true,
      ordered: false,
      ...(eq.op === '=' ? { hashKey: eq } : {}),
      run(txn, slots, filters, env, emit) {
        if (eq.op === '=' && eq.values.length === 1 && !eq.valuesFrom) {
          // The join probe's common case: one value, no de-duplication needed.
          const v = evalProbe(eq, env)[0];
          const r = v === undefined ? null : toRowid(typeof v === 'string' ? applyAffinity(v, 'numeric') : v);
          return r === null || fetchRowids(txn, table.id, [r], slots, filters, env, emit);
        }
        const seen = new Set<bigint>();
        const ids: Rowid[] = [];
        for (const v of evalProbe(eq, env)) {
          const r = toRowid(typeof v === 'string' ? applyAffinity(v, 'numeric') : v);
          if (r !== null && !seen.has(r)) { seen.add(r); ids.push(r); }
        }
        if (eq.op === 'IN') ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return fetchRowids(txn, table.id, ids, slots, filters, env, emit);
      },
    };
  }
  const ranges = rs.filter((s) => s.op !== '=' && s.op !== 'IN');
  const reverse = order !== null && order.length === 1 && (order[0]!.column === -1 || order[0]!.column === table.rowidColumn) && order[0]!.desc;
  const orderedByRowid = order !== null && order.length === 1 && (order[0]!.column === -1 || order[0]!.column === table.rowidColumn) && order[0]!.nullsDefault;
  if (ranges.length === 0 && !orderedByRowid) return null;
  const lo = ranges.find((s) => s.op === '>' || s.op === '>=');
  const hi = ranges.find((s) => s.op === '<' || s.op === '<=');
  return {
    probes: ranges.length > 0,
    resumable: true,
    describe: ranges.length ? `SEARCH ${table.name} USING INTEGER PRIMARY KEY (${[lo ? `rowid${lo.op}?` : '', hi ? `rowid${hi.op}?` : ''].filter(Boolean).join(' AND ')})` : `SCAN ${table.name}${reverse ? ' (rowid order, reverse)' : ''}`,
    ordered: orderedByRowid,
    run(txn, slots, filters, env, emit) {
      const range: { lo?: RowidRange['lo']; hi?: RowidRange['hi']; reverse?: boolean } = {};
      if (lo) {
        const v = evalProbe(lo, env)[0];
        if (v === undefined) return true;
        if (typeof v === 'bigint') range.lo = { rowid: v, inclusive: lo.op === '>=' };
        else if (typeof v === 'number') {
          if (v > 9.2e18) return true;
          if (v >= -9.2e18) range.lo = Number.isInteger(v) ? { rowid: BigInt(v), inclusive: lo.op === '>=' } : { rowid: BigInt(Math.floor(v)), inclusive: false };
        }
      }
      if (hi) {
        const v = evalProbe(hi, env)[0];
        if (v === undefined) return true;
        if (typeof v === 'bigint') range.hi = { rowid: v, inclusive: hi.op === '<=' };
        else if (typeof v === 'number') {
          if (v < -9.2e18) return true;
          if (v <= 9.2e18) range.hi = Number.isInteger(v) ? { rowid: BigInt(v), inclusive: hi.op === '<=' } : { rowid: BigInt(Math.ceil(v)), inclusive: false };
        }
      }
      if (reverse) range.reverse = true;
      return scanBatches(txn.scan(table.id, range), slots, filters, env, emit);
    },
  };
}

interface IndexPlan { ix: IndexInfo; eq: Sarg[]; inSarg?: Sarg; lo?: Sarg; hi?: Sarg; score: number; ordered: boolean; reverse: boolean }

function planIndex(table: TableInfo, ix: IndexInfo, sargs: Sarg[], order: OrderWish[] | null): IndexPlan | null {
  const eq: Sarg[] = [];
  let inSarg: Sarg | undefined;
  let lo: Sarg | undefined;
  let hi: Sarg | undefined;
  for (const part of ix.parts) {
    const mine = sargs.filter((s) => s.column === part.column && s.coll.toLowerCase() === part.collation && s.aff !== undefined);
    const e = mine.find((s) => s.op === '=');
    if (e && !inSarg) { eq.push(e); continue; }
    if (eq.length === 0 && !inSarg) {
      const i = mine.find((s) => s.op === 'IN');
      if (i) { inSarg = i; break; }
    }
    lo = mine.find((s) => s.op === '>' || s.op === '>=');
    hi = mine.find((s) => s.op === '<' || s.op === '<=');
    if (part.desc) { const t = lo; lo = hi; hi = t; }
    break;
  }
  // ORDER BY from the index: the wished columns must be the parts after the equality prefix.
  let ordered = false;
  let reverse = false;
  if (order && order.length > 0 && !inSarg && order.every((o) => o.nullsDefault)) {
    const rest = ix.parts.slice(eq.length);
    if (order.length <= rest.length && order.every((o, i) => o.column === rest[i]!.column && o.coll.toLowerCase() === rest[i]!.collation)) {
      const same = order.every((o, i) => o.desc === rest[i]!.desc);
      const opposite = order.every((o, i) => o.desc !== rest[i]!.desc);
      if (same || opposite) { ordered = true; reverse = opposite; }
    }
  }
  let score = 0;
  if (eq.length > 0) score = eq.length === ix.parts.length && ix.unique ? 90 : 50 + eq.length;
  else if (inSarg) score = 40;
  if (lo || hi) score += 20;
  if (ordered) score += 5;
  if (score === 0) return null;
  if (ix.where) score -= 1;
  void table;
  return { ix, eq, score, ordered, reverse, ...(inSarg ? { inSarg } : {}), ...(lo ? { lo } : {}), ...(hi ? { hi } : {}) };
}

function indexAccess(table: TableInfo, p: IndexPlan): AccessPath {
  const terms = [...p.eq.map((s) => `${s.text}=?`), p.inSarg ? `${p.inSarg.text} IN (…)` : '', p.lo ? `${p.lo.text}${p.lo.op}?` : '', p.hi ? `${p.hi.text}${p.hi.op}?` : ''].filter(Boolean);
  return {
    probes: terms.length > 0,
    resumable: !p.inSarg,
    describe: terms.length ? `SEARCH ${table.name} USING INDEX ${p.ix.name} (${terms.join(' AND ')})` : `SCAN ${table.name} USING INDEX ${p.ix.name}`,
    ordered: p.ordered,
    ...(p.eq.length === 1 && p.ix.parts.length === 1 && !p.inSarg && !p.lo && !p.hi && !p.reverse ? { hashKey: p.eq[0]! } : {}),
    run(txn, slots, filters, env, emit) {
      const prefix: Value[] = [];
      for (const s of p.eq) {
        const v = evalProbe(s, env);
        if (v.length === 0) return true; // col = NULL matches nothing
        prefix.push(v[0]!);
      }
      const collect = (range: IndexRange): Rowid[] => {
        const cur = txn.indexScan(p.ix.id, range);
        const ids: Rowid[] = [];
        try {
          for (let es = cur.next(256); es.length > 0; es = cur.next(256)) for (const e of es) ids.push(e.rowid);
        } finally { cur.close(); }
        return ids;
      };
      if (p.inSarg) {
        const vals = evalProbe(p.inSarg, env);
        const part = p.ix.parts[0]!;
        const coll = part.collation.toUpperCase() as CollationName;
        const seen = new Set<string>();
        const uniq = vals.filter((v) => { const k = valueKey(v, coll); if (seen.has(k)) return false; seen.add(k); return true; });
        uniq.sort((a, b) => compareValues(a, b, coll) * (part.desc ? -1 : 1));
        const ids: Rowid[] = [];
        for (const v of uniq) ids.push(...collect({ lo: { values: [v], inclusive: true }, hi: { values: [v], inclusive: true } }));
        return fetchRowids(txn, table.id, ids, slots, filters, env, emit);
      }
      const range: { lo?: KeyBound; hi?: KeyBound; reverse?: boolean } = {};
      if (prefix.length > 0) { range.lo = { values: prefix, inclusive: true }; range.hi = { values: prefix, inclusive: true }; }
      if (p.lo) {
        const v = evalProbe(p.lo, env);
        if (v.length === 0) return true;
        range.lo = { values: [...prefix, v[0]!], inclusive: p.lo.op.length === 2 };
      } else if (p.hi && prefix.length === 0 && !p.ix.parts[0]!.desc) {
        // Skip the NULL entries: a comparison with NULL is never true.
        range.lo = { values: [null], inclusive: false };
      }
      if (p.hi) {
        const v = evalProbe(p.hi, env);
        if (v.length === 0) return true;
        range.hi = { values: [...prefix, v[0]!], inclusive: p.hi.op.length === 2 };
      }
      if (p.reverse) range.reverse = true;
      if (p.ordered && !p.inSarg) {
        // Stream in index order so ORDER BY … LIMIT stops early.
        const cur = txn.indexScan(p.ix.id, range);
        try {
          for (let es = cur.next(64); es.length > 0; es = cur.next(64)) {
            if (!fetchRowids(txn, table.id, es.map((e) => e.rowid), slots, filters, env, emit)) return false;
          }
          return true;
        } finally { cur.close(); }
      }
      return fetchRowids(txn, table.id, collect(range), slots, filters, env, emit);
    },
  };
}

/**
 * Chooses the access path for `table`. `partialOk(ix)` says whether the query implies a partial
 * index's predicate; `order` is the ORDER BY the caller would like for free (single-table queries).
 */
export function chooseAccess(table: TableInfo, sargs: Sarg[], order: OrderWish[] | null, partialOk: (ix: IndexInfo) => boolean): AccessPath {
  const rid = rowidPath(table, sargs, order);
  const ridEq = rid && sargs.some((s) => (s.column === -1 || s.column === table.rowidColumn) && (s.op === '=' || s.op === 'IN'));
  if (ridEq) return rid!;
  let best: IndexPlan | null = null;
  for (const ix of table.indexes) {
    if (ix.where && !partialOk(ix)) continue;
    const p = planIndex(table, ix, sargs, order);
    if (p && (!best || p.score > best.score)) best = p;
  }
  if (best && best.score >= 40) return indexAccess(table, best);
  if (rid && !rid.ordered && rid.probes) return rid;
  if (best && (best.lo || best.hi)) return indexAccess(table, best);
  if (rid?.ordered) return rid;
  if (best?.ordered) return indexAccess(table, best);
  return {
    describe: `SCAN ${table.name}`,
    probes: false,
    ordered: false,
    fullScanOf: table.id,
    resumable: true,
    run(txn, slots, filters, env, emit) { return scanBatches(txn.scan(table.id), slots, filters, env, emit); },
  };
}
