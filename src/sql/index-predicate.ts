/**
 * Partial indexes: the storage engine indexes a row only when the index's WHERE holds, so it
 * needs that WHERE as a pure function of the row. Compiled once per IndexInfo, evaluated with
 * a runtime that has no parameters and no transaction (the predicate may not read tables).
 */
import type { IndexDef, StorageTxn, Value } from '../storage/api.js';
import { HeliosError, sqlError } from '../errors.js';
import type { IndexInfo, TableInfo } from './catalog.js';
import { compileExpr, type Runtime } from './compile-expr.js';
import { Scope, type Env } from './scope.js';
import { truth } from './value.js';

const cache = new WeakMap<IndexInfo, (row: readonly Value[]) => boolean>();

const noTxn = new Proxy({}, { get() { throw new HeliosError('INTERNAL', 'index predicate read a table'); } }) as StorageTxn;
const pureRuntime: Runtime = {
  txn: noTxn, params: [], gen: 0,
  fn: {
    now: 0,
    random: () => { throw sqlError('non-deterministic functions prohibited in index expressions'); },
    lastInsertId: () => 0n,
    changes: () => 0n,
  },
};

export function indexPredicate(t: TableInfo, ix: IndexInfo): ((row: readonly Value[]) => boolean) | undefined {
  if (!ix.where) return undefined;
  let f = cache.get(ix);
  if (!f) {
    const scope = new Scope(null);
    scope.addSource(t.name, t.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll })));
    const sub = { compileSubquery(): never { throw sqlError('subqueries prohibited in partial index WHERE clauses'); } };
    const ev = compileExpr(ix.where, { scope, rt: pureRuntime, sub, aggs: null }).ev;
    f = (row) => { const env: Env = { row: row as Value[], outer: null, agg: null }; return truth(ev(env)) === true; };
    cache.set(ix, f);
  }
  return f;
}

export function indexDefOf(t: TableInfo, ix: IndexInfo): IndexDef {
  const predicate = indexPredicate(t, ix);
  return { id: ix.id, table: t.id, parts: ix.parts, unique: ix.unique, ...(predicate ? { predicate } : {}) };
}

export function tablePredicates(t: TableInfo): Map<number, (row: readonly Value[]) => boolean> {
  const m = new Map<number, (row: readonly Value[]) => boolean>();
  for (const ix of t.indexes) { const p = indexPredicate(t, ix); if (p) m.set(ix.id, p); }
  return m;
}
