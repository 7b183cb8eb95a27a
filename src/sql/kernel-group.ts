/**
 * GROUP BY over a single-table full scan, batch by batch: `SELECT k1, …, agg(x), … FROM t
 * [WHERE …] GROUP BY k1, …` where every key is a plain column of the table and every aggregate
 * is count(*)/count/sum/total/avg/min/max of a plain column (no DISTINCT), and the outputs,
 * HAVING and ORDER BY read the row only through the keys or inside aggregates.
 *
 * Per batch: the kernel conjuncts give a selection (kernel-filter.ts), the remaining conjuncts
 * run per selected row; then one pass maps each surviving row to a group number, reading only
 * the key columns (fixed-width keys straight from the page's array, others through
 * `RowBatch.value`), and one pass per aggregate feeds the group's state from the column's array.
 * Rows are never materialised and unused columns are never decoded.
 *
 * Results are the row path's exactly, because the states are the row path's (aggregates.ts:
 * SQLite's SUM overflow rule, KBN over REALs, AVG as REAL, MIN/MAX first of equals) and they are
 * stepped in the same row order. Keys group as `valueKey` does (numeric equality across INTEGER
 * and REAL, the column's collation for TEXT, all NULLs one group): a single key uses three maps
 * (numbers in the exact-double range, TEXT after collation folding, everything else by its
 * `valueKey`) so the common keys cost no string building; several keys use the row path's
 * composite `valueKey` string. A group's key values (what the output shows) are its first row's,
 * or — with exactly one min()/max() — the row holding that extreme, as SQLite and the row path.
 */
import { MemoryViews, type Selection } from '../kernels/index.js';
import type { FixedColumnView, RowBatch, TableCursor, Value } from '../storage/api.js';
import type { AggState, Count, Sum } from './aggregates.js';
import { passes, type RowSlots } from './batch-filter.js';
import type { Expr } from './ast.js';
import type { AggSlot, CExpr, Ev } from './compile-expr.js';
import { kernelAggsFor, onlyAggregatesRead, type KernelAgg } from './kernel-aggregate.js';
import { batchSelection, bindKernelPreds, type KernelContext } from './kernel-filter.js';
import type { Env } from './scope.js';
import { valueKey, type CollationName } from './value.js';

/** A group as the select compiler keeps it: key values, the row bare key columns read, states. */
export interface ScanGroup { keys: Value[]; rep: Value[]; states: AggState[] }

export interface GroupScanSpec {
  /** Table column of each GROUP BY key, and its collation. */
  readonly keyColumns: readonly number[];
  readonly keyColls: readonly CollationName[];
  readonly aggs: readonly KernelAgg[];
  /** Index in `aggs` of the only min()/max(), or -1: its row supplies the group's key values. */
  readonly minMaxSlot: number;
  /** Width of the scope row (the `rep` arrays). */
  readonly width: number;
  readonly makeStates: () => AggState[];
}

const EXACT = 2 ** 53;

let enabled = true;
/**
 * Turns the column-array GROUP BY off (the row path runs instead) or back on, process-wide,
 * checked when a query runs: the differential test's reference, and a switch for diagnosis.
 */
export function useColumnGroupBy(on: boolean): void { enabled = on; }
export const columnGroupByOn = (): boolean => enabled;

/** The memory the page arrays live in: the first fixed-width column seen decides (one pool). */
class PoolViews {
  memory: WebAssembly.Memory | null = null;
  views: MemoryViews | null = null;
  constructor(memory: WebAssembly.Memory | null) {
    if (memory) { this.memory = memory; this.views = new MemoryViews(memory); }
  }
  accepts(f: FixedColumnView, rows: number): boolean {
    if (this.memory === null) { this.memory = f.memory; this.views = new MemoryViews(f.memory); }
    if (f.memory !== this.memory) return false;
    this.views!.cover(Math.max(f.byteOffset + 8 * rows, f.nullBitmapOffset + ((rows + 7) >>> 3)));
    return true;
  }
}

/** Column reader for one batch: the page's array when fixed-width, else `RowBatch.value`. */
class ColumnReader {
  fixed: FixedColumnView | null = null;
  private base = 0;
  private nulls = 0;
  private v!: MemoryViews;
  constructor(private readonly pool: PoolViews) {}
  bind(b: RowBatch, column: number): void {
    const f = b.fixedColumn(column);
    this.fixed = f !== null && this.pool.accepts(f, b.length) ? f : null;
    if (this.fixed) { this.v = this.pool.views!; this.base = this.fixed.byteOffset >>> 3; this.nulls = this.fixed.nullBitmapOffset; }
  }
  isNull(i: number): boolean {
    return ((this.v.u8[this.nulls + (i >>> 3)]! >>> (i & 7)) & 1) === 1;
  }
  /** The value of row `i` of a fixed column (SQL NULL as null). */
  fixedValue(i: number): Value {
    if (this.isNull(i)) return null;
    return this.fixed!.kind === 'i64' ? this.v.i64[this.base + i]! : this.v.f64[this.base + i]!;
  }
  /** Row `i` of a fixed column as a JS number key when that is exact (|v| < 2^53), else NaN. */
  numberKey(i: number): number {
    if (this.fixed!.kind === 'f64') {
      const x = this.v.f64[this.base + i]!;
      return x > -EXACT && x < EXACT ? x : NaN;
    }
    const hi = this.v.i32[2 * (this.base + i) + 1]!;
    if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + (this.v.i32[2 * (this.base + i)]! >>> 0);
    return NaN;
  }
  f64(i: number): number { return this.v.f64[this.base + i]!; }
  i64(i: number): bigint { return this.v.i64[this.base + i]!; }
}

/** Group numbers by key: see the module doc for why three maps. */
class GroupIndex {
  private readonly nums = new Map<number, number>();
  private readonly texts = new Map<string, number>();
  private readonly others = new Map<string, number>();
  private nullGroup = -1;
  constructor(private readonly coll: CollationName) {}

  /** The group of key `v`, or -1 (then `add` it). */
  find(v: Value): number {
    if (v === null) return this.nullGroup;
    if (typeof v === 'number' && v > -EXACT && v < EXACT) return this.nums.get(v) ?? -1;
    if (typeof v === 'bigint' && v > -EXACT && v < EXACT) return this.nums.get(Number(v)) ?? -1;
    if (typeof v === 'string') return this.texts.get(this.coll === 'BINARY' ? v : valueKey(v, this.coll)) ?? -1;
    return this.others.get(valueKey(v, this.coll)) ?? -1;
  }
  findNumber(x: number): number { return this.nums.get(x) ?? -1; }
  add(v: Value, g: number): void {
    if (v === null) this.nullGroup = g;
    else if (typeof v === 'number' && v > -EXACT && v < EXACT) this.nums.set(v, g);
    else if (typeof v === 'bigint' && v > -EXACT && v < EXACT) this.nums.set(Number(v), g);
    else if (typeof v === 'string') this.texts.set(this.coll === 'BINARY' ? v : valueKey(v, this.coll), g);
    else this.others.set(valueKey(v, this.coll), g);
  }
}

/**
 * Scans `cursor` (closing it), applying `filters`, and returns the groups in order of first
 * appearance. Errors an aggregate defers (SUM's "integer overflow") surface at `final()`, as on
 * the row path.
 */
export function groupScan(cursor: TableCursor, slots: RowSlots, kc: KernelContext | undefined, filters: readonly Ev[], spec: GroupScanSpec, env: Env): ScanGroup[] {
  const pool = new PoolViews(kc ? kc.k.memory : null);
  const { kernel, rest } = kc ? bindKernelPreds(filters, slots.offset, slots.ncols) : { kernel: [], rest: filters };
  const nk = spec.keyColumns.length;
  const keyReaders = spec.keyColumns.map(() => new ColumnReader(pool));
  const aggReaders = spec.aggs.map(() => new ColumnReader(pool));
  const index = nk === 1 ? new GroupIndex(spec.keyColls[0]!) : null;
  const composite = new Map<string, number>();
  const groups: ScanGroup[] = [];
  const states: AggState[][] = [];
  const scalar: Ev[] = [];
  const args: Value[] = [null];
  const keyVals = new Array<Value>(nk);
  const starCounts = spec.aggs.map((ag) => (ag.column < 0 ? [] as number[] : null));
  let rowsBuf = new Uint32Array(1024);
  let codeBuf = new Int32Array(1024);
  let dictGroups = new Int32Array(64);
  const codes = (n: number): Int32Array => (codeBuf.length >= n ? codeBuf : (codeBuf = new Int32Array(n)));
  let gids = new Int32Array(1024);

  const rowKeys = (b: RowBatch, i: number): void => {
    for (let c = 0; c < nk; c++) {
      const r = keyReaders[c]!;
      keyVals[c] = r.fixed ? r.fixedValue(i) : b.value(i, spec.keyColumns[c]!);
    }
  };
  const newGroup = (): number => {
    const rep = new Array<Value>(spec.width).fill(null);
    for (let c = 0; c < nk; c++) rep[slots.offset + spec.keyColumns[c]!] = keyVals[c]!;
    const st = spec.makeStates();
    groups.push({ keys: keyVals.slice(), rep, states: st });
    states.push(st);
    return groups.length - 1;
  };
  /** Group of row `i` (created, with the row's key values, when new); keyVals may be clobbered. */
  const groupOf = (b: RowBatch, i: number): number => {
    if (index) {
      const r = keyReaders[0]!;
      if (r.fixed && !r.isNull(i)) {
        const x = r.numberKey(i);
        if (x === x) {
          const g = index.findNumber(x);
          if (g >= 0) return g;
        }
      }
      rowKeys(b, i);
      let g = index.find(keyVals[0]!);
      if (g < 0) { g = newGroup(); index.add(keyVals[0]!, g); }
      return g;
    }
    rowKeys(b, i);
    let key = valueKey(keyVals[0]!, spec.keyColls[0]!);
    for (let c = 1; c < nk; c++) key += '\u0000' + valueKey(keyVals[c]!, spec.keyColls[c]!);
    let g = composite.get(key);
    if (g === undefined) { g = newGroup(); composite.set(key, g); }
    return g;
  };

  try {
    for (let b = cursor.nextBatch(); b; b = cursor.nextBatch()) {
      slots.interrupt?.();
      const n = b.length;
      let sel: Selection | null = null;
      if (kc) sel = batchSelection(b, kernel, rest, kc, env, scalar);
      else { scalar.length = 0; for (const f of rest) scalar.push(f); }
      if (rowsBuf.length < n) { rowsBuf = new Uint32Array(n); gids = new Int32Array(n); }
      let m: number;
      if (sel !== null) m = kc!.k.selectedRows(sel, rowsBuf).length;
      else { for (let i = 0; i < n; i++) rowsBuf[i] = i; m = n; }
      if (sel !== null) kc!.stats.filterBatches++;
      if (scalar.length > 0) {
        // Conjuncts the kernels could not take: load each candidate row and keep the passing ones.
        let w = 0;
        for (let j = 0; j < m; j++) {
          const i = rowsBuf[j]!;
          for (let c = 0; c < slots.ncols; c++) env.row[slots.offset + c] = b.value(i, c);
          env.row[slots.rowidSlot] = b.rowid(i);
          if (passes(scalar, env)) rowsBuf[w++] = i;
        }
        m = w;
      }
      for (let c = 0; c < nk; c++) keyReaders[c]!.bind(b, spec.keyColumns[c]!);
      const dict = index && !keyReaders[0]!.fixed && b.dictionary ? b.dictionary(spec.keyColumns[0]!, codes(n)) : null;
      if (dict) groupsByCode(dict, m);
      else for (let j = 0; j < m; j++) gids[j] = groupOf(b, rowsBuf[j]!);
      if (kc) kc.stats.groupBatches++;
      for (let a = 0; a < spec.aggs.length; a++) {
        const ag = spec.aggs[a]!;
        const r = aggReaders[a]!;
        if (ag.column >= 0) r.bind(b, ag.column);
        if (a === spec.minMaxSlot) stepMinMaxWithRep(b, r, ag.column, a, m);
        else stepAggregate(b, r, ag, a, m);
      }
    }
  } finally {
    cursor.close();
  }
  for (let a = 0; a < spec.aggs.length; a++) {
    const cnt = starCounts[a];
    if (cnt) for (let g = 0; g < groups.length; g++) if (cnt[g]) (states[g]![a] as Count).add(cnt[g]!);
  }
  return groups;

  /**
   * Group numbers from the batch's dictionary of the key column: each distinct stored value is
   * looked up once, when a selected row first uses it (so groups still appear in row order and
   * take that row's key value).
   */
  function groupsByCode(dict: Value[], m: number): void {
    if (dictGroups.length < dict.length) dictGroups = new Int32Array(Math.max(dict.length, 2 * dictGroups.length));
    dictGroups.fill(-2, 0, dict.length);
    let nullGroup = -2;
    for (let j = 0; j < m; j++) {
      const code = codeBuf[rowsBuf[j]!]!;
      let g = code < 0 ? nullGroup : dictGroups[code]!;
      if (g === -2) {
        const v = code < 0 ? null : dict[code]!;
        g = index!.find(v);
        if (g < 0) { keyVals[0] = v; g = newGroup(); index!.add(v, g); }
        if (code < 0) nullGroup = g; else dictGroups[code] = g;
      }
      gids[j] = g;
    }
  }

  function stepAggregate(b: RowBatch, r: ColumnReader, ag: KernelAgg, a: number, m: number): void {
    if (ag.column < 0) {
      // count(*): plain numbers per group, added to the states once after the scan.
      const cnt = starCounts[a]!;
      for (let j = 0; j < m; j++) { const g = gids[j]!; cnt[g] = (cnt[g] ?? 0) + 1; }
      return;
    }
    if (r.fixed && (ag.name === 'sum' || ag.name === 'total' || ag.name === 'avg')) {
      // Sum.step's own work for a number / bigint argument, without the args array.
      if (r.fixed.kind === 'f64') {
        for (let j = 0; j < m; j++) { const i = rowsBuf[j]!; if (!r.isNull(i)) (states[gids[j]!]![a] as Sum).acc.stepReal(r.f64(i)); }
      } else {
        for (let j = 0; j < m; j++) { const i = rowsBuf[j]!; if (!r.isNull(i)) (states[gids[j]!]![a] as Sum).acc.stepInteger(r.i64(i)); }
      }
      return;
    }
    for (let j = 0; j < m; j++) {
      const i = rowsBuf[j]!;
      args[0] = r.fixed ? r.fixedValue(i) : b.value(i, ag.column);
      states[gids[j]!]![a]!.step(args);
    }
  }

  /** The only min()/max(): when it moves, the group's key values become this row's (SQLite). */
  function stepMinMaxWithRep(b: RowBatch, r: ColumnReader, column: number, a: number, m: number): void {
    for (let j = 0; j < m; j++) {
      const i = rowsBuf[j]!;
      const st = states[gids[j]!]![a]!;
      args[0] = r.fixed ? r.fixedValue(i) : b.value(i, column);
      const before = st.final();
      st.step(args);
      if (st.final() !== before) {
        rowKeys(b, i);
        const rep = groups[gids[j]!]!.rep;
        for (let c = 0; c < nk; c++) rep[slots.offset + spec.keyColumns[c]!] = keyVals[c]!;
      }
    }
  }
}


/**
 * The group scan for a query, or null when it does not qualify: every GROUP BY term must be a
 * plain column of the scanned table (not the rowid; an explicit COLLATE is not a plain column),
 * every aggregate one {@link kernelAggsFor} takes, and `reads` (outputs, HAVING, ORDER BY terms
 * that are not outputs) may read the row only through a key column or inside aggregates.
 * `slotOf` resolves a column reference to its scope slot (undefined when it is not one).
 */
export function groupScanSpecFor(
  groupBy: readonly CExpr[], aggs: readonly AggSlot[], offset: number, ncols: number, width: number,
  reads: readonly (Expr | null | undefined)[], isAggregate: (e: Extract<Expr, { kind: 'fn' }>) => boolean,
  slotOf: (e: Extract<Expr, { kind: 'col' }>) => number | undefined,
): GroupScanSpec | null {
  const keyColumns: number[] = [];
  const keyColls: CollationName[] = [];
  for (const g of groupBy) {
    const c = g.column;
    if (!c || c.column < 0 || c.slot < offset || c.slot >= offset + ncols) return null;
    keyColumns.push(c.slot - offset);
    keyColls.push(g.coll ?? 'BINARY');
  }
  const kaggs = kernelAggsFor(aggs, offset, ncols);
  if (!kaggs) return null;
  const keySlots = new Set(keyColumns.map((c) => c + offset));
  if (!onlyAggregatesRead(reads, isAggregate, (e) => { const s = slotOf(e); return s !== undefined && keySlots.has(s); })) return null;
  const mm = aggs.flatMap((a, k) => (a.name === 'min' || a.name === 'max' ? [k] : []));
  return { keyColumns, keyColls, aggs: kaggs, minMaxSlot: mm.length === 1 ? mm[0]! : -1, width, makeStates: () => aggs.map((a) => a.make()) };
}
