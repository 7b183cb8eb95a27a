/**
 * The SQL side of a shard in a partitioned database: one {@link SqlEngine} per partition the
 * shard owns (every partition holds the whole catalog in its own system table, and its share of
 * every table's rows), and the open 2PC transactions on them. It executes the router's
 * {@link FragmentOp}s synchronously on the shard's thread; the ring, group commit and replies
 * stay in `worker-main.ts`. Tests drive it directly over memory partitions (the in-process
 * transport of `src/coordinator/partition-executor.ts`).
 *
 * Isolation comes from the coordinator's locks (src/coordinator/txn/locks.ts): several
 * transactions may be open on a partition at once, but the coordinator sends no statement whose
 * rows another open transaction has locked (storage itself does not isolate them).
 */
import { HeliosError, sqlError, unavailable } from '../errors.js';
import type { Partition, Value } from '../storage/api.js';
import type { PagedPartition } from '../storage/index.js';
import { SqlEngine, type EngineOptions, type ExecResult, type SqlSession } from '../sql/index.js';
import { SCHEMA_TABLE, SEQUENCE_TABLE } from '../sql/catalog.js';
import { RawReply, type FragmentOp, type FragmentResult, type FragmentStmt, type ReplyFormat, type ScanPushdown, type TableLocation, type TableWrites } from './fragment-protocol.js';
import { encodeReplyBody } from './reply-encoding.js';
import { QueryCursors } from './query-cursors.js';

export class PartitionEngines {
  private readonly engines = new Map<number, SqlEngine>();
  /** Auto-commit sessions, one per partition (no state survives an op). */
  private readonly autoSessions = new Map<number, SqlSession>();
  /** Open 2PC transactions: `${gid}@${partition}` → the session inside BEGIN. */
  private readonly open = new Map<string, SqlSession>();
  /**
   * Partitions holding transactions left PREPAREd by a crash. Their rows may include writes the
   * coordinator will abort, so they serve nothing but `resolve` (and `schema`) until every one
   * is settled: the fence. The coordinator settles them before it is ready, and after a shard
   * restart.
   */
  private readonly fenced = new Set<number>();

  constructor(private readonly partitions: ReadonlyMap<number, Partition>, private readonly engineOptions: EngineOptions = {}, readonly cursors: QueryCursors = new QueryCursors()) {
    for (const [id, p] of partitions) {
      this.engines.set(id, new SqlEngine(p, engineOptions));
      if (p.preparedTransactions().size > 0) this.fenced.add(id);
    }
  }

  private unfenced(p: number): number {
    if (this.fenced.has(p)) throw unavailable(`partition ${p} has in-doubt transactions awaiting the coordinator's decision`);
    return p;
  }

  /** The engine of partition `p` (throws INTERNAL when this shard does not own it). */
  engine(p: number): SqlEngine {
    const e = this.engines.get(p);
    if (!e) throw new HeliosError('INTERNAL', `partition ${p} is not served here`);
    return e;
  }

  handle(op: FragmentOp): unknown {
    switch (op.op) {
      case 'run':
        this.unfenced(op.p);
        if (op.reply !== undefined && op.tx === undefined && op.stmts.length === 1) return encodeReply(this.runAuto(op.p, op.stmts)[0]!, op.reply);
        return op.tx === undefined ? this.runAuto(op.p, op.stmts) : this.runInTx(op.p, op.tx, op.stmts);
      case 'scan': this.unfenced(op.p); return op.pushdown ? this.filteredScan(op.p, op.table, op.tx, op.pushdown) : this.scan(op.p, op.table, op.tx);
      case 'prepare': this.txSession(op.p, op.tx, false).prepare(op.tx); return null;
      case 'commit': {
        const s = this.txSession(op.p, op.tx, false);
        this.open.delete(`${op.tx}@${op.p}`);
        s.execute('COMMIT');
        return null;
      }
      case 'abort': {
        const s = this.open.get(`${op.tx}@${op.p}`);
        this.open.delete(`${op.tx}@${op.p}`);
        s?.rollback(); // unknown: never begun here, or already ended — abort is idempotent
        return null;
      }
      case 'resolve': return this.resolve(op.p, op.gid, op.commit);
      case 'inDoubt': return this.inDoubt();
      case 'schema': return this.schema(op.p);
      case 'maxRowid': this.unfenced(op.p); return this.maxRowid(op.p, op.table);
      case 'locate': return this.locate(op.p, op.table);
      case 'cursorOpen':
        this.unfenced(op.p);
        return this.cursors.openCursor(`${op.cursor}@${op.p}`, this.engine(op.p), op.sql, op.params, { keys: op.keys, ...(op.limit ? { limit: op.limit } : {}) }, op.chunk);
      case 'cursorNext': return this.cursors.next(`${op.cursor}@${op.p}`, op.chunk);
      case 'cursorClose': return this.cursors.close(`${op.cursor}@${op.p}`);
      case 'apply':
        this.unfenced(op.p);
        if (op.tx === undefined) throw new HeliosError('INTERNAL', 'apply needs a transaction');
        return this.apply(op.p, op.tx, op.writes);
    }
  }

  private runAuto(p: number, stmts: readonly FragmentStmt[]): FragmentResult[] {
    let s = this.autoSessions.get(p);
    if (!s) this.autoSessions.set(p, (s = this.engine(p).session()));
    if (stmts.length === 1) return [exec(s, stmts[0]!, 0)];
    s.execute('BEGIN');
    try {
      const out = stmts.map((st, i) => exec(s, st, i));
      s.execute('COMMIT');
      return out;
    } finally {
      if (s.inTransaction()) s.rollback();
    }
  }

  private runInTx(p: number, tx: string, stmts: readonly FragmentStmt[]): FragmentResult[] {
    const s = this.txSession(p, tx, true);
    return stmts.map((st, i) => exec(s, st, i));
  }

  private txSession(p: number, tx: string, create: boolean): SqlSession {
    const key = `${tx}@${p}`;
    let s = this.open.get(key);
    if (!s) {
      if (!create) throw new HeliosError('INTERNAL', `transaction ${tx} is not open on partition ${p}`);
      s = this.engine(p).session();
      s.execute('BEGIN');
      this.open.set(key, s);
    }
    if (!s.inTransaction()) throw new HeliosError('SERIALIZATION_FAILURE', `transaction ${tx} was rolled back on partition ${p}`);
    return s;
  }

  private scan(p: number, table: string, tx: string | undefined): Value[][] {
    const t = this.engine(p).catalog.table(table);
    if (!t) throw sqlError(`no such table: ${table}`);
    const own = tx === undefined ? this.engine(p).partition.begin() : null;
    const txn = own ?? this.txSession(p, tx!, true).storageTxn()!;
    const out: Value[][] = [];
    try {
      const cur = txn.scan(t.id);
      const n = t.columns.length;
      for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
        for (let i = 0; i < b.length; i++) {
          const row: Value[] = [b.rowid(i)];
          for (let c = 0; c < n; c++) row.push(b.value(i, c));
          out.push(row);
        }
      }
      cur.close();
    } finally {
      own?.commit();
    }
    return out;
  }

  /** A scan with the coordinator's pushdown, as a query (index and rowid ranges apply). */
  private filteredScan(p: number, table: string, tx: string | undefined, pd: ScanPushdown): Value[][] {
    const t = this.engine(p).catalog.table(table);
    if (!t) throw sqlError(`no such table: ${table}`);
    const rowidName = ['rowid', 'oid', '_rowid_'].find((n) => !t.columns.some((c) => c.name.toLowerCase() === n));
    if (!rowidName) return this.scan(p, table, tx); // every rowid name is a column: send all rows
    const a = `"${pd.alias.replace(/"/g, '""')}"`;
    const sql = `SELECT ${a}.${rowidName}, ${a}.* FROM "${t.name.replace(/"/g, '""')}" AS ${a}${pd.where ? ` WHERE ${pd.where}` : ''}${pd.orderBy ? ` ORDER BY ${pd.orderBy}` : ''}${pd.limit !== undefined ? ` LIMIT ${pd.limit}` : ''}`;
    let s: SqlSession;
    if (tx === undefined) {
      s = this.autoSessions.get(p) ?? this.engine(p).session();
      this.autoSessions.set(p, s);
    } else s = this.txSession(p, tx, true);
    return s.execute(sql).rows;
  }

  private resolve(p: number, gid: string, commit: boolean): null {
    const part = this.partitions.get(p);
    if (!part) throw new HeliosError('INTERNAL', `partition ${p} is not served here`);
    const t = part.preparedTransactions().get(gid);
    if (!t) return null; // already resolved (a resend): idempotent
    if (commit) t.commit(); else t.abort();
    // The transaction may have held DDL: rebuild the engine so its catalog is the partition's.
    this.engines.set(p, new SqlEngine(part, this.engineOptions));
    this.autoSessions.delete(p);
    if (part.preparedTransactions().size === 0) this.fenced.delete(p);
    return null;
  }

  private inDoubt(): { p: number; gid: string }[] {
    const out: { p: number; gid: string }[] = [];
    for (const [id, part] of this.partitions) {
      for (const gid of part.preparedTransactions().keys()) if (!this.open.has(`${gid}@${id}`)) out.push({ p: id, gid });
    }
    return out;
  }

  /** The schema table's rows (`[rowid, type, name, tbl_name, id, sql]`), as the catalog loads them. */
  private schema(p: number): Value[][] {
    const txn = this.engine(p).partition.begin();
    try {
      const rows: Value[][] = [];
      const cur = txn.scan(SCHEMA_TABLE);
      for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
        for (let i = 0; i < b.length; i++) rows.push([b.rowid(i), ...[0, 1, 2, 3, 4].map((c) => b.value(i, c))]);
      }
      cur.close();
      return rows;
    } finally {
      txn.commit();
    }
  }

  /**
   * A central write's rows for this partition, through the transaction's storage txn (indexes
   * follow). Every replaced row leaves before any row arrives, so two rows swapping a UNIQUE value
   * never collide halfway: only the final state, checked at the coordinator, is ever complete.
   */
  private apply(p: number, tx: string, writes: readonly TableWrites[]): null {
    const txn = this.txSession(p, tx, true).storageTxn()!;
    const cat = this.engine(p).catalog;
    const tables = writes.map((w) => {
      const t = cat.table(w.table);
      if (!t) throw sqlError(`no such table: ${w.table}`);
      return t;
    });
    writes.forEach((w, i) => {
      const id = tables[i]!.id;
      for (const r of w.deletes) txn.delete(id, r);
      for (const [r] of w.puts) txn.delete(id, r);
    });
    writes.forEach((w, i) => {
      const t = tables[i]!;
      let max = 0n;
      for (const [r, row] of w.puts) {
        txn.insert(t.id, r, row);
        if (r > max) max = r;
      }
      if (t.autoincrement && w.puts.length > 0) {
        const seq = txn.get(SEQUENCE_TABLE, BigInt(t.id));
        if (!seq) txn.insert(SEQUENCE_TABLE, BigInt(t.id), [max]);
        else if (typeof seq[0] !== 'bigint' || seq[0] < max) txn.update(SEQUENCE_TABLE, BigInt(t.id), [max]);
      }
    });
    return null;
  }

  private locate(p: number, table: string): TableLocation | null {
    if (this.fenced.has(p)) return null;
    const t = this.engine(p).catalog.table(table);
    const part = this.partitions.get(p);
    if (!t || t.rowidColumn < 0 || !part || !('tableLocation' in part)) return null;
    const at = (part as PagedPartition).tableLocation(t.id);
    if (!at || at.columns.length !== t.columns.length) return null;
    return { ...at, names: t.columns.map((c) => c.name), rowidColumn: t.rowidColumn };
  }

  private maxRowid(p: number, table: string): bigint {
    const t = this.engine(p).catalog.table(table);
    if (!t) throw sqlError(`no such table: ${table}`);
    const txn = this.engine(p).partition.begin();
    try {
      let max = txn.maxRowid(t.id) ?? 0n;
      const seq = txn.get(SEQUENCE_TABLE, BigInt(t.id));
      if (seq && typeof seq[0] === 'bigint' && seq[0] > max) max = seq[0];
      return max;
    } finally {
      txn.commit();
    }
  }
}

/** One statement's result as the caller's response body: encoded once, here in the shard. */
function encodeReply(r: FragmentResult, format: ReplyFormat): RawReply {
  return new RawReply(encodeReplyBody(r, format));
}

function exec(s: SqlSession, st: FragmentStmt, i: number): FragmentResult {
  try {
    const r: ExecResult = s.execute(st.sql, st.params, st.rows ? { rows: st.rows } : undefined);
    return r;
  } catch (e) {
    const err = HeliosError.from(e);
    const { code: _c, message: _m, ...extra } = err.toData();
    throw new HeliosError(err.code, err.message, { ...extra, statementIndex: i });
  }
}
