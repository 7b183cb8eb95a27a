/**
 * What the router needs to place an INSERT's rows across partitions: the per-table rowid
 * counters it allocates new rowids from, the split of planned rows by partition, and the
 * combination of the partitions' results into one database's answer.
 * May import: sql (types), shard protocol types and the coordinator's routing helpers.
 */
import { HeliosError, sqlError } from '../errors.js';
import type { ExecResult, PlannedRow } from '../sql/index.js';
import type { FragmentResult } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import { rowPartition, type ShardKey } from './route-analysis.js';
import { combine } from './fanout-reads.js';

const MAX_ROWID = 9223372036854775807n;

/**
 * Per table (lower-case name): the largest rowid handed out or seen. Loaded from the partitions
 * on first use (max over partitions of rows and AUTOINCREMENT sequence). No locks: storage shows
 * uncommitted rows too, and a counter only has to be above every rowid in use.
 */
export class RowidCounters {
  private readonly counters = new Map<string, bigint>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly exec: PartitionExecutor) {}

  async ensure(table: string): Promise<void> {
    const key = table.toLowerCase();
    if (this.counters.has(key)) return;
    const load = async (): Promise<void> => {
      if (this.counters.has(key)) return;
      const maxes = (await Promise.all([...Array(this.exec.partitions).keys()].map((p) => this.exec.call({ op: 'maxRowid', p, table })))) as bigint[];
      this.counters.set(key, maxes.reduce((a, b) => (b > a ? b : a), 0n));
    };
    let pr = this.loading.get(key);
    if (!pr) {
      pr = load();
      this.loading.set(key, pr);
      pr.catch(() => this.loading.delete(key));
    }
    await pr;
  }

  /** A loaded counter, read synchronously. */
  get(table: string): bigint | undefined {
    return this.counters.get(table.toLowerCase());
  }

  /** The next rowid of a loaded table. */
  alloc(table: string): bigint {
    const key = table.toLowerCase();
    const cur = this.counters.get(key);
    if (cur === undefined) throw new HeliosError('INTERNAL', `rowid counter of ${key} not loaded`);
    const next = cur + 1n;
    if (next > MAX_ROWID) throw sqlError('database or disk is full (rowid space exhausted)');
    this.counters.set(key, next);
    return next;
  }

  /** Raises a loaded counter to at least `rowid`. */
  raise(table: string, rowid: bigint): void {
    const key = table.toLowerCase();
    const cur = this.counters.get(key);
    if (cur !== undefined && rowid > cur) this.counters.set(key, rowid);
  }

  /** After DDL: counters of dropped tables go, and the next use of a table reloads nothing else. */
  retain(exists: (table: string) => boolean): void {
    for (const k of [...this.counters.keys()]) if (!exists(k)) this.counters.delete(k);
    this.loading.clear();
  }
}

/** Planned rows by partition; no rows still run once on partition 0 (errors, RETURNING columns). */
export function splitRows(key: ShardKey, rows: readonly PlannedRow[], partitions: number): Map<number, PlannedRow[]> {
  const parts = new Map<number, PlannedRow[]>();
  for (const r of rows) {
    const p = rowPartition(key, r.rowid, r.row, partitions);
    let list = parts.get(p);
    if (!list) parts.set(p, (list = []));
    list.push(r);
  }
  if (parts.size === 0) parts.set(0, []);
  return parts;
}

/**
 * An INSERT's results: `lastInsertId` is the rowid of the last planned row its partition inserted.
 * RETURNING rows come in VALUES order, as from one database, when every partition returned one
 * row per row it was given; otherwise (OR IGNORE skipped some) partition by partition.
 */
export function combineInsert(rs: readonly (readonly [number, FragmentResult])[], rows: readonly PlannedRow[], key: ShardKey, partitions: number): ExecResult {
  const out = combine(rs.map((x) => x[1]));
  const byP = new Map(rs.map(([p, r]) => [p, r.lastInsertId]));
  if (out.rows.length > 0 && rs.length > 1) {
    const home = rows.map((r) => rowPartition(key, r.rowid, r.row, partitions));
    const given = new Map<number, number>();
    for (const p of home) given.set(p, (given.get(p) ?? 0) + 1);
    if (rs.every(([p, r]) => r.rows.length === (given.get(p) ?? 0))) {
      const queues = new Map(rs.map(([p, r]) => [p, { rows: r.rows, at: 0 }]));
      out.rows = home.map((p) => { const q = queues.get(p)!; return q.rows[q.at++]!; });
    }
  }
  out.lastInsertId = null;
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    const last = byP.get(rowPartition(key, r.rowid, r.row, partitions));
    if (last !== null && last !== undefined) { out.lastInsertId = last === r.rowid ? r.rowid : last; break; }
  }
  return out;
}
