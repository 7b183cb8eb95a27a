/**
 * How each FROM source of a SELECT core is read, given the sources before it: the join order
 * (greedy, most selective access first) and the row openers — an access path over a table
 * (rowid/index probe, range, scan), a probe that turns into a hash over its table once probed
 * often ({@link adaptiveOpener}), a hash join on an equality with earlier levels, or a loop over
 * rows read once per execution (tables without a probe, subqueries, views, CTEs) — and the
 * nested-loop driver over those levels ({@link runJoin}). Openers decode only the columns the
 * statement reads (ScopeSource.used). Read next: access-path.ts, batch-filter.ts.
 */
import type { Value } from '../storage/api.js';
import { chooseAccess, type AccessPath, type OrderWish, type Sarg } from './access-path.js';
import { passes, usedColumns, type RowSlots } from './batch-filter.js';
import type { TableInfo } from './catalog.js';
import type { Ev } from './compile-expr.js';
import type { Conjunct } from './conjuncts.js';
import type { Expr } from './ast.js';
import type { Env, ScopeSource } from './scope.js';
import type { CompiledQuery, QueryCompiler } from './select.js';
import { applyAffinity, isNumericAff, valueKey, type Affinity, type CollationName } from './value.js';

/**
 * Join order for inner joins: greedily take next the source with the best access given the
 * sources already placed (rowid equality, then unique/plain index equality, IN, ranges, then a
 * hash-joinable equality), FROM order breaking ties. LEFT JOINs keep FROM order.
 */
export function chooseJoinOrder(n: number, tables: (TableInfo | null)[], conj: Conjunct[]): number[] {
  const placed = new Set<number>();
  const order: number[] = [];
  const score = (p: number): number => {
    const t = tables[p];
    let best = 0;
    for (const c of conj) {
      for (const s of c.sargs) {
        if (s.pos !== p || ![...s.valueUses].every((u) => placed.has(u))) continue;
        const col = s.sarg.column;
        let v = 0;
        if (t && (col === -1 || col === t.rowidColumn)) v = s.sarg.op === '=' ? 100 : s.sarg.op === 'IN' ? 80 : 30;
        else if (t) {
          const ix = t.indexes.find((x) => !x.where && x.parts[0]!.column === col);
          if (ix) v = s.sarg.op === '=' ? (ix.unique && ix.parts.length === 1 ? 90 : 60) : s.sarg.op === 'IN' ? 50 : 20;
          else v = s.sarg.op === '=' ? (s.valueUses.size > 0 ? 10 : 5) : 1;
        } else v = s.sarg.op === '=' ? (s.valueUses.size > 0 ? 10 : 5) : 1;
        best = Math.max(best, v);
      }
    }
    return best;
  };
  while (order.length < n) {
    let pick = -1;
    let pickScore = -1;
    for (let p = 0; p < n; p++) {
      if (placed.has(p)) continue;
      const sc = score(p);
      if (sc > pickScore) { pick = p; pickScore = sc; }
    }
    order.push(pick);
    placed.add(pick);
  }
  return order;
}


export type Opener = (env: Env, emit: () => boolean, cache: Map<number, unknown>) => boolean;

/** One FROM source in join order, as {@link runJoin} drives it. */
export interface JoinLevel {
  readonly source: ScopeSource;
  /** Conditions checked after a LEFT JOIN level matched or null-extended (its WHERE part). */
  readonly filters: Ev[];
  readonly left: boolean;
  /** Fills the source's slots for each candidate row (its ON/WHERE filters applied). */
  readonly open: Opener;
}

/**
 * Runs the nested loops of a SELECT core: level i fills its slots for each candidate row and
 * calls level i+1; after the last, `finalFilters` then `sink` (projection or aggregation). A LEFT
 * JOIN level that matched nothing null-extends its slots once. Returns false when `sink` asked to
 * stop (LIMIT). The per-level emit callbacks are made once per run, not once per outer row: a
 * level's `matched` flag lives in an array, safe because level i is re-entered only after its
 * previous open() returned.
 */
export function runJoin(levels: readonly JoinLevel[], env: Env, finalFilters: readonly Ev[], caches: Map<number, unknown>, sink: () => boolean, interrupt?: () => void): boolean {
  const n = levels.length;
  // One plain table (point and range queries): nothing to drive, the level feeds the sink.
  if (n === 1 && !levels[0]!.left && levels[0]!.filters.length === 0 && finalFilters.length === 0) return levels[0]!.open(env, sink, caches);
  const matched = new Array<boolean>(n).fill(false);
  const emits = new Array<() => boolean>(n);
  // Inner levels read from memory (materialised or hashed) have no batch boundaries: check the
  // interrupt every JOIN_CHECK_EVERY combinations instead.
  let steps = 0;
  const step = (i: number): boolean => {
    if (interrupt && (++steps & (JOIN_CHECK_EVERY - 1)) === 0) interrupt();
    if (i === n) return finalFilters.length > 0 && !passes(finalFilters, env) ? true : sink();
    const lv = levels[i]!;
    matched[i] = false;
    if (!lv.open(env, emits[i]!, caches)) return false;
    if (lv.left && !matched[i]) {
      nullFill(env.row, lv.source);
      if (lv.filters.length && !passes(lv.filters, env)) return true;
      return step(i + 1);
    }
    return true;
  };
  for (let i = 0; i < n; i++) {
    const lv = levels[i]!;
    emits[i] = () => {
      matched[i] = true;
      if (lv.filters.length && !passes(lv.filters, env)) return true;
      return step(i + 1);
    };
  }
  return step(0);
}

/** Join combinations between two interrupt checks (a power of two). */
const JOIN_CHECK_EVERY = 4096;

/** NULLs in every slot of a source (the LEFT JOIN row that matched nothing). */
export function nullFill(row: Value[], s: ScopeSource): void {
  for (let c = 0; c < s.columns.length; c++) row[s.offset + c] = null;
  if (s.rowidSlot !== null) row[s.rowidSlot] = null;
}

/** The row source of one level: an access path over a table, or a materialised subquery. */
export function makeOpener(
  qc: QueryCompiler, pos: number, depth: number, src: ScopeSource, table: TableInfo | null, q: CompiledQuery | null, sargs: Sarg[],
  order: OrderWish[] | null, whereAsts: Expr[], onPath: (ap: AccessPath | null) => void,
): { fn: (filters: Ev[]) => Opener; describe: string } {
  const ncols = src.columns.length;
  const eqHash = depth > 0 ? sargs.find((s) => s.op === '=' && s.column >= 0) : undefined;
  if (table) {
    const ap = chooseAccess(table, sargs, order, (ix) => qc.partialImplied(ix, whereAsts));
    onPath(ap);
    // Made at the first run: only then has every expression of the statement marked the
    // columns it reads (see usedColumns); the others are never decoded.
    let slots: RowSlots | null = null;
    const slotsNow = (): RowSlots => (slots ??= { offset: src.offset, ncols, rowidSlot: src.rowidSlot!, kernels: qc.rt.kernels, cols: usedColumns(src.used), interrupt: qc.rt.interrupt });
    // Inner levels without a probe: read the table once per run (then hash or loop over it).
    const load = (cache: Map<number, unknown>): Value[][] => {
      let rows = cache.get(pos) as Value[][] | undefined;
      if (!rows) {
        rows = [];
        const cols = slotsNow().cols ?? [...src.used.keys()];
        const cur = qc.rt.txn.scan(table.id);
        try {
          for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
            qc.rt.interrupt?.();
            for (let i = 0; i < b.length; i++) {
              const row = new Array<Value>(ncols + 1).fill(null);
              for (let k = 0; k < cols.length; k++) { const c = cols[k]!; row[c] = b.value(i, c); }
              row[ncols] = b.rowid(i);
              rows.push(row);
            }
          }
        } finally { cur.close(); }
        cache.set(pos, rows);
      }
      return rows;
    };
    const useHash = depth > 0 && !ap.probes && eqHash;
    if (!useHash && (depth === 0 || ap.probes)) {
      const probe = (filters: Ev[]): Opener => (env, emit) => ap.run(qc.rt.txn, slotsNow(), filters, env, emit);
      const key = ap.hashKey;
      if (depth === 0 || !key) return { describe: ap.describe, fn: probe };
      const hashed = materializedOpener(src, load, key, '', true);
      const rowCount = (): number => qc.rt.txn.rowCount(table.id);
      return {
        describe: `${ap.describe}, ADAPTIVE HASH JOIN (${key.text}=?)`,
        fn: (filters) => adaptiveOpener(probe(filters), hashed.fn(filters), rowCount, -2 - (pos + 1) * 1000),
      };
    }
    return materializedOpener(src, load, eqHash, useHash ? `HASH JOIN ${table.name} (${eqHash!.text}=?)` : `SCAN ${table.name}`, true);
  }
  const load = (cache: Map<number, unknown>, env: Env): Value[][] => {
    let rows = cache.get(pos) as Value[][] | undefined;
    if (!rows) { rows = q!.run(env.outer); cache.set(pos, rows); }
    return rows!;
  };
  return materializedOpener(src, load, eqHash, eqHash ? `HASH JOIN SUBQUERY ${src.name} (${eqHash.text}=?)` : `SCAN SUBQUERY ${src.name}`, false);
}

/** How often adaptive joins switched to their hash, process-wide (for tests and metrics). */
export const joinStats = { hashSwitches: 0 };

/** Probes before an adaptive join first weighs switching to a hash (small joins never do). */
const FIRST_CHECK = 64;
/** Largest table an adaptive join hashes: the table is held in memory for the statement. */
const MAX_HASH_ROWS = 1 << 18;

/**
 * An inner join level that probes the table per outer row (a rowid or index equality) until the
 * probes reach a quarter of the table's rows, then reads the table once into a hash on the join
 * key and probes that for the rest of the run. A B-tree probe costs a descent and a row decode
 * (~1 µs); the hash costs one scan of the table and then a Map lookup per outer row, so it wins
 * once the outer side is large against the inner one — the join feeding an aggregate over a
 * whole table. Checking at doubling probe counts keeps the rowCount calls logarithmic; stopping
 * at a quarter bounds the extra work of switching by the probes already spent. Both paths emit
 * the same rows in the same (rowid) order: the hash is on the path's own {@link AccessPath.hashKey}.
 */
function adaptiveOpener(probe: Opener, hashed: Opener, rowCount: () => number, stateKey: number): Opener {
  return (env, emit, cache) => {
    let st = cache.get(stateKey) as { probes: number; nextCheck: number; hashing: boolean } | undefined;
    if (!st) { st = { probes: 0, nextCheck: FIRST_CHECK, hashing: false }; cache.set(stateKey, st); }
    if (!st.hashing && ++st.probes >= st.nextCheck) {
      const rows = rowCount();
      if (rows <= MAX_HASH_ROWS && st.probes * 4 >= rows) { st.hashing = true; joinStats.hashSwitches++; }
      else st.nextCheck = st.probes * 2;
    }
    return (st.hashing ? hashed : probe)(env, emit, cache);
  };
}

const MAX_EXACT = 2 ** 53;
const MAX_EXACT_N = 2n ** 53n; // compared bigint to bigint: a mixed comparison is far slower
/**
 * The hash key of a join value: {@link valueKey}'s equivalence classes (so equal under the
 * comparison's affinity and collation), but numbers that a double holds exactly — integers up
 * to 2^53 (bigint or integral real) and non-integral reals — key as that number: no string is
 * built per probe and V8 hashes small numbers fastest (bigint keys hash through the runtime).
 * An integer and a non-integral real can't share a number; number keys never meet valueKey's
 * string keys; larger integers take valueKey's 'i…' form from both classes alike.
 */
function joinKey(v: Value, coll: CollationName): number | string {
  if (typeof v === 'bigint') {
    if (v <= MAX_EXACT_N && v >= -MAX_EXACT_N) return Number(v);
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v) || (v <= MAX_EXACT && v >= -MAX_EXACT)) return v;
  }
  return valueKey(v, coll);
}

/**
 * A built join hash. When every key is an integer in [0, 2·keys + 1024) — ids, the usual join
 * key — the lists also sit in an array indexed by the key (`dense`), which a probe reads without
 * hashing; a probe key that is not such an integer then matches nothing, as no key is anything
 * else.
 */
interface JoinTable { readonly map: Map<number | string, Value[][]>; readonly dense: (Value[][] | undefined)[] | null }

function joinTable(map: Map<number | string, Value[][]>): JoinTable {
  const limit = 2 * map.size + 1024;
  let max = -1;
  for (const k of map.keys()) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= limit) return { map, dense: null };
    if (k > max) max = k;
  }
  const dense = new Array<Value[][] | undefined>(max + 1).fill(undefined);
  for (const [k, list] of map) dense[k as number] = list;
  return { map, dense };
}

function materializedOpener(
  src: ScopeSource, load: (cache: Map<number, unknown>, env: Env) => Value[][], eqHash: Sarg | undefined, describe: string, hasRowid: boolean,
): { fn: (filters: Ev[]) => Opener; describe: string } {
  const ncols = src.columns.length;
  const off = src.offset;
  // The columns the statement reads, known once it is compiled (first call of put).
  let cols: readonly number[] | null = null;
  const put = (env: Env, r: Value[]): void => {
    cols ??= usedColumns(src.used) ?? [...src.used.keys()];
    for (let k = 0; k < cols.length; k++) { const c = cols[k]!; env.row[off + c] = r[c]!; }
    if (hasRowid && src.rowidSlot !== null) env.row[src.rowidSlot] = r[ncols]!;
  };
  if (!eqHash) {
    return {
      describe,
      fn: (filters) => (env, emit, cache) => {
        const rows = load(cache, env);
        for (const r of rows) {
          put(env, r);
          if (filters.length && !passes(filters, env)) continue;
          if (!emit()) return false;
        }
        return true;
      },
    };
  }
  const col = eqHash.column < 0 ? ncols : eqHash.column; // -1: the rowid, kept after the columns
  const conv: Affinity | null = isNumericAff(eqHash.aff) ? 'numeric' : eqHash.aff === 'text' ? 'text' : null;
  const coll = eqHash.coll;
  const valueEv = eqHash.values[0]!.ev;
  const hashKey = -1 - (src.pos + 1) * 1000;
  return {
    describe,
    fn: (filters) => (env, emit, cache) => {
      let t = cache.get(hashKey) as JoinTable | undefined;
      if (!t) {
        const h = new Map<number | string, Value[][]>();
        for (const r of load(cache, env)) {
          const v = r[col]!;
          if (v === null) continue;
          const k = joinKey(conv ? applyAffinity(v, conv) : v, coll);
          const list = h.get(k);
          if (list) list.push(r); else h.set(k, [r]);
        }
        t = joinTable(h);
        cache.set(hashKey, t);
      }
      let v = valueEv(env);
      if (v === null) return true;
      if (conv) v = applyAffinity(v, conv);
      const k = joinKey(v, coll);
      const list = t.dense ? (typeof k === 'number' && k >= 0 && k < t.dense.length ? t.dense[k] : undefined) : t.map.get(k);
      if (!list) return true;
      for (const r of list) {
        put(env, r);
        if (filters.length && !passes(filters, env)) continue;
        if (!emit()) return false;
      }
      return true;
    },
  };
}

