/**
 * Central execution of writes a partition cannot run on its own rows: UPDATE/DELETE with a
 * subquery, FROM, WITH, LIMIT or a new shard key; any write to a table with triggers; CREATE
 * TABLE … AS SELECT. The router calls it holding the statement's locks (lock-footprint.ts: X on
 * the written table, S on those read, everything for a table with triggers), inside the
 * statement's {@link DistributedTxn}:
 *
 *   1. gather: every table the statement can read or write (those it names; for each with
 *      triggers, the tables named in the trigger bodies, to a fixed point) from every partition,
 *      remembering which partition each row came from;
 *   2. run: the original statement in the catalog mirror's scratch transaction over those rows —
 *      the full SQL engine over the whole tables, so constraints (UNIQUE across every partition
 *      included), triggers, RAISE and RETURNING behave exactly as on one partition; AUTOINCREMENT
 *      sequences are seeded from the router's counters so new ids stay above every id handed out;
 *   3. diff: each gathered table's rows after the run against before → rows put, rowids deleted;
 *   4. ship: one `apply` fragment per partition touched (a put to the partition of its new shard
 *      key; a delete to the partition the row came from; a row whose key moved = both). The
 *      partitions write storage directly: no SQL re-evaluation, no trigger fires twice.
 * The caller commits the transaction (2PC when more than one partition was written).
 *
 * Cost: every row of the gathered tables crosses the rings and is diffed — proportional to the
 * tables' sizes, accepted for these shapes (docs/sharding.md).
 */
import { HeliosError } from '../errors.js';
import type { StorageTxn, Value } from '../storage/api.js';
import type { ExecResult, Params } from '../sql/index.js';
import type { Statement } from '../sql/ast.js';
import { SEQUENCE_TABLE, type Catalog, type TableInfo } from '../sql/catalog.js';
import type { TableWrites } from '../shard/fragment-protocol.js';
import type { CatalogMirror } from './catalog-mirror.js';
import type { DistributedTxn } from './distributed-txn.js';
import { rowPartition, tablesOf, type ShardKey } from './route-analysis.js';

/** What the central path needs of the router. */
export interface CentralContext {
  readonly mirror: CatalogMirror;
  readonly partitions: number;
  keyOf(t: TableInfo): ShardKey;
  /** Every row (`[rowid, ...columns]`) of `table` on partition p, inside `tx` where it is open. */
  scan(tx: DistributedTxn, p: number, table: string): Promise<Value[][]>;
  /** Loads the router's rowid counters of these tables. */
  loadCounters(tables: Iterable<string>): Promise<void>;
  /** A loaded counter, read synchronously (a concurrent INSERT plan may advance it between awaits). */
  counter(table: string): bigint;
  /** Raises the counter of a table to at least `rowid`. */
  advanceCounter(table: string, rowid: bigint): void;
}

/** A central write computed but not yet shipped. */
export interface CentralPlan {
  readonly result: ExecResult;
  /** Per partition, the writes it must apply. */
  readonly writes: ReadonlyMap<number, TableWrites[]>;
  /** Per table, the largest rowid put. */
  readonly maxPut: ReadonlyMap<string, bigint>;
  /** CREATE TABLE … AS SELECT: the plain CREATE TABLE text the engine derived (run it everywhere first). */
  readonly createSql?: string;
}

/** Whether a write to `t` must run centrally because of triggers. */
export const hasTriggers = (t: TableInfo): boolean => t.triggers.length > 0;

/**
 * The tables a write can touch: the ones it names (`target` included), then, for each with
 * triggers, every table named in those triggers' bodies and WHEN clauses, to a fixed point.
 * Over-fetching is harmless; missing a written table is not (the run checks it never happens).
 */
export function centralTables(s: Statement, target: string | null, cat: Catalog): Set<string> {
  const out = tablesOf(s, cat);
  if (target !== null && cat.table(target)) out.add(cat.table(target)!.name);
  const queue = [...out];
  while (queue.length > 0) {
    const t = cat.table(queue.pop()!);
    for (const tr of t?.triggers ?? []) {
      const named = tablesOf([tr.body, tr.when ?? null], cat);
      for (const b of tr.body) {
        const tt = b.kind === 'insert' || b.kind === 'update' || b.kind === 'delete' ? cat.table(b.table) : undefined;
        if (tt) named.add(tt.name);
      }
      for (const n of named) if (!out.has(n)) { out.add(n); queue.push(n); }
    }
  }
  return out;
}

interface Gathered { rows: Value[][]; from: Map<bigint, number> }

/** Steps 1–3: gathers `tables`, runs the statement in the mirror and returns its write set. */
export async function planCentral(ctx: CentralContext, tx: DistributedTxn, sql: string, params: Params, tables: ReadonlySet<string>, created?: string): Promise<CentralPlan> {
  const cat = ctx.mirror.catalog;
  const gathered = new Map<string, Gathered>();
  await Promise.all([...tables].map(async (name) => {
    const parts = await Promise.all([...Array(ctx.partitions).keys()].map((p) => ctx.scan(tx, p, name)));
    const g: Gathered = { rows: [], from: new Map() };
    parts.forEach((list, p) => { for (const r of list) { g.from.set(r[0] as bigint, p); g.rows.push(r); } });
    gathered.set(name, g);
  }));
  await ctx.loadCounters(tables);
  // From here to the counters' advance, no await: the ids the run hands out are reserved before
  // an INSERT planned concurrently (planning takes no locks) can draw from the same counters.
  const seqs = new Map([...tables].map((name) => [name, ctx.counter(name)] as const));
  const plan = ctx.mirror.scratch(new Map([...gathered].map(([n, g]) => [n, g.rows])), (ses) => {
    const txn = ses.storageTxn()!;
    // New rowids must come from above the router's counter, as the fast INSERT path's do: an
    // INSERT planned concurrently (planning takes no locks) may already hold
    // counter + 1 … . The engine allocates above a table's sequence row only for AUTOINCREMENT
    // tables, so for this run every gathered table is AUTOINCREMENT with its sequence seeded from
    // the counter; the flag lives on the mirror's catalog objects, which the scratch
    // transaction's rollback rebuilds (and `finally` restores it regardless).
    const flagged: { t: { autoincrement: boolean }; was: boolean }[] = [];
    try {
      for (const [name, c] of seqs) {
        const t = cat.table(name)! as { autoincrement: boolean; id: number };
        flagged.push({ t, was: t.autoincrement });
        t.autoincrement = true;
        if (c === 0n) continue;
        if (txn.get(SEQUENCE_TABLE, BigInt(t.id))) txn.update(SEQUENCE_TABLE, BigInt(t.id), [c]);
        else txn.insert(SEQUENCE_TABLE, BigInt(t.id), [c]);
      }
      const result = ses.execute(sql, params);
      let createSql: string | undefined;
      if (created !== undefined) {
        createSql = ses.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", [created]).rows[0]?.[0] as string | undefined;
        if (createSql === undefined) throw new HeliosError('INTERNAL', `CREATE TABLE … AS SELECT made no table ${created}`);
        gathered.set(ctx.mirror.catalog.table(created)!.name, { rows: [], from: new Map() });
      }
      return { result: { ...result }, ...writeSet(ctx, txn, gathered), ...(createSql !== undefined ? { createSql } : {}) };
    } finally {
      for (const f of flagged) f.t.autoincrement = f.was;
    }
  }, tx.cx);
  for (const [table, r] of plan.maxPut) ctx.advanceCounter(table, r);
  return plan;
}

/** Step 3: the scratch transaction's tables against the gathered rows, grouped by the partition each write goes to. */
function writeSet(ctx: CentralContext, txn: StorageTxn, gathered: ReadonlyMap<string, Gathered>): Pick<CentralPlan, 'writes' | 'maxPut'> {
  assertNothingElseWritten(ctx.mirror.catalog, txn, gathered);
  const writes = new Map<number, Map<string, { puts: [bigint, Value[]][]; deletes: bigint[] }>>();
  const at = (p: number, table: string) => {
    let m = writes.get(p);
    if (!m) writes.set(p, (m = new Map()));
    let w = m.get(table);
    if (!w) m.set(table, (w = { puts: [], deletes: [] }));
    return w;
  };
  const maxPut = new Map<string, bigint>();
  for (const [name, g] of gathered) {
    const t = ctx.mirror.catalog.table(name)!;
    const key = ctx.keyOf(t);
    const { puts, deletes } = diffTable(txn, t, g.rows);
    for (const r of deletes) at(g.from.get(r)!, t.name).deletes.push(r);
    for (const [r, row] of puts) {
      const to = rowPartition(key, r, row, ctx.partitions);
      const was = g.from.get(r);
      if (was !== undefined && was !== to) at(was, t.name).deletes.push(r);
      at(to, t.name).puts.push([r, row]);
      if (r > (maxPut.get(t.name) ?? 0n)) maxPut.set(t.name, r);
    }
  }
  const out = new Map([...writes].map(([p, m]) => [p, [...m].map(([table, w]) => ({ table, ...w }))]));
  return { writes: out, maxPut };
}

/** Step 4: sends each partition its writes inside `tx`. */
export async function shipCentral(tx: DistributedTxn, plan: CentralPlan): Promise<ExecResult> {
  await Promise.all([...plan.writes].map(([p, writes]) => tx.run({ op: 'apply', p, writes })));
  return plan.result;
}

/** The rows of `t` in the scratch transaction against the gathered ones: rows new or changed, rowids gone. */
function diffTable(txn: StorageTxn, t: TableInfo, before: readonly Value[][]): { puts: [bigint, Value[]][]; deletes: bigint[] } {
  const old = new Map<bigint, Value[]>();
  for (const r of before) old.set(r[0] as bigint, r);
  const puts: [bigint, Value[]][] = [];
  const cur = txn.scan(t.id);
  const n = t.columns.length;
  for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
    for (let i = 0; i < b.length; i++) {
      const rowid = b.rowid(i);
      const row: Value[] = [];
      for (let c = 0; c < n; c++) row.push(b.value(i, c));
      const was = old.get(rowid);
      old.delete(rowid);
      if (!was || !sameRow(was, row)) puts.push([rowid, row]);
    }
  }
  cur.close();
  return { puts, deletes: [...old.keys()] };
}

/** `before` is `[rowid, ...columns]`. Exact: 1 and 1.0 differ, as do two blobs of other bytes. */
function sameRow(before: readonly Value[], after: readonly Value[]): boolean {
  if (before.length !== after.length + 1) return false;
  for (let i = 0; i < after.length; i++) {
    const a = before[i + 1]!;
    const b = after[i]!;
    if (a instanceof Uint8Array || b instanceof Uint8Array) {
      if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length || a.some((x, j) => x !== b[j])) return false;
    } else if (typeof a !== typeof b || !Object.is(a, b)) return false;
  }
  return true;
}

/**
 * A table not gathered must still be empty in the scratch transaction: a write there would be
 * lost. centralTables over-fetches so this cannot happen; the check makes a gap an error, not
 * silent data loss.
 */
function assertNothingElseWritten(cat: Catalog, txn: StorageTxn, gathered: ReadonlyMap<string, Gathered>): void {
  for (const t of cat.tables.values()) {
    if (!gathered.has(t.name) && txn.rowCount(t.id) > 0) throw new HeliosError('INTERNAL', `central write touched ${t.name}, which was not gathered`);
  }
}

/**
 * CREATE TABLE … AS SELECT: the statement runs centrally over its source tables; the CREATE
 * TABLE text the engine derived from it runs on every partition (DDL), then the rows ship.
 */
export async function createTableAsSelect(ctx: CentralContext, tx: DistributedTxn, st: { readonly sql: string; readonly params: Params }, s: Extract<Statement, { kind: 'createTable' }>): Promise<ExecResult> {
  const cat = ctx.mirror.catalog;
  if (s.ifNotExists && (cat.table(s.name) || cat.views.has(s.name.toLowerCase()))) return { columns: [], rows: [], rowsAffected: 0, lastInsertId: null };
  const plan = await planCentral(ctx, tx, st.sql, st.params, tablesOf(s.asSelect, cat), s.name);
  tx.ddl = true;
  await Promise.all([...Array(ctx.partitions).keys()].map((p) => tx.run({ op: 'run', p, stmts: [{ sql: plan.createSql!, params: [] }] })));
  ctx.mirror.applyDdl(plan.createSql!);
  return shipCentral(tx, plan);
}
