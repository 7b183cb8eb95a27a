/**
 * One multi-partition transaction as the router runs it (an auto-commit statement that spans
 * partitions, or an atomic batch), and its end: one-phase commit when it wrote on a single
 * partition, two-phase commit with presumed abort otherwise.
 *
 *   run fragments (each partition: BEGIN on first use, statements, transaction kept open)
 *   prepare every partition (durable PREPARE with the writes; a failure → abort all)
 *     ── fault point 2pc:after-prepare
 *   log COMMIT(txn, partitions) in the decision log, fdatasync    ◀══ the commit point
 *     ── fault point 2pc:after-decision
 *   COMMIT to each partition (the first one, ── fault point 2pc:mid-commit, then the rest)
 *   FORGET(txn) once every partition acked
 *
 * Nothing is logged for an abort: a partition left PREPAREd by a crash is aborted at restart
 * unless the log holds its COMMIT ({@link resolveInDoubt}). Isolation is the caller's: the router
 * holds the coordinator's locks (txn/locks.ts) for everything the transaction touches until it
 * ends. Partitions it only read just end their session at commit (no PREPARE, nothing logged):
 * the locks, not the partition sessions, are what keep its reads stable until the end.
 *
 * A shard restart loses the sessions open there. {@link PartitionEpochs} counts restarts per
 * partition; a transaction that began on a partition in an earlier epoch fails with
 * SERIALIZATION_FAILURE at its next use of it, and at commit — it never continues silently with
 * half its writes gone.
 */
import { HeliosError, serializationFailure } from '../errors.js';
import type { ShardPages } from '../shard/page-reads.js';
import type { FragmentOp } from '../shard/fragment-protocol.js';
import type { CallContext } from './call-context.js';

/** Sends one fragment op to the shard owning its partition (`inDoubt` goes to every shard). */
export interface PartitionExecutor {
  readonly partitions: number;
  /** `cx`: the caller's deadline and cancellation (ring-executor.ts); COMMIT/ABORT ignore it. */
  call(op: FragmentOp, cx?: CallContext): Promise<unknown>;
  /** The shard's pool view serving partition p, for point reads from its pages (absent: none). */
  pagesOf?(p: number): ShardPages | undefined;
}

/** The durable decision log (src/coordinator/txn/decision-log.ts) and transaction ids, as the router needs them. */
export interface Decisions {
  newTxn(): bigint;
  /**
   * Appends COMMIT at once and resolves once it is durable (the commit point); a durable log may
   * group the fdatasync of decisions appended together.
   */
  logCommit(txn: bigint, partitions: readonly number[]): void | Promise<void>;
  forget(txn: bigint): void;
  live(): ReadonlyMap<bigint, readonly number[]>;
}

/** Decisions kept in memory: for tests and for a database of one partition (nothing to log). */
export class MemoryDecisions implements Decisions {
  private next = 1n;
  private readonly decided = new Map<bigint, readonly number[]>();
  newTxn(): bigint { return this.next++; }
  logCommit(txn: bigint, partitions: readonly number[]): void { this.decided.set(txn, [...partitions]); }
  forget(txn: bigint): void { this.decided.delete(txn); }
  live(): ReadonlyMap<bigint, readonly number[]> { return this.decided; }
}

export interface TxnStats {
  singlePartition: number;
  multiPartition: number;
  prepares: number;
  commits: number;
  aborts: number;
  /** Sum of two-phase commit latencies (prepare → last COMMIT acked), ms. */
  commitMsTotal: number;
}

export const newTxnStats = (): TxnStats => ({ singlePartition: 0, multiPartition: 0, prepares: 0, commits: 0, aborts: 0, commitMsTotal: 0 });

export const gidOfTxn = (txn: bigint): string => `tx${txn}`;

/** What every transaction of one router shares: restart epochs, and the decisions being carried out. */
export interface TxnShared {
  readonly epochs: PartitionEpochs;
  /** Transactions between their logged COMMIT and their FORGET: {@link resolveInDoubt} leaves them alone. */
  readonly committing: Set<bigint>;
}

/** Restarts per partition (bumped when the shard serving it dies). */
export class PartitionEpochs {
  private readonly epochs: number[];
  constructor(partitions: number) {
    this.epochs = new Array<number>(partitions).fill(0);
  }
  of(p: number): number {
    return this.epochs[p] ?? 0;
  }
  bump(ps: readonly number[]): void {
    for (const p of ps) this.epochs[p] = (this.epochs[p] ?? 0) + 1;
  }
}

export class DistributedTxn {
  /** Partitions where the transaction is open (it ran a fragment there). */
  readonly touched = new Set<number>();
  /** Partitions where it wrote (a `run` while {@link writing}, or an `apply`). */
  readonly wrote = new Set<number>();
  /** Partitions written by the current statement (the router resets it per statement). */
  readonly stmtWrote = new Set<number>();
  /** Set by the router around a statement that writes: its `run` ops count as writes. */
  writing = false;
  /** Set when it ran DDL: the router refreshes its catalog copy when it ends. */
  ddl = false;
  /** The current caller's deadline and cancellation: its work and PREPARE stop at them (COMMIT/ABORT never do). */
  cx: CallContext | undefined;
  private readonly txn: bigint;
  readonly gid: string;
  /** The restart epoch of each partition when the transaction began there. */
  private readonly began = new Map<number, number>();

  constructor(private readonly exec: PartitionExecutor, private readonly decisions: Decisions, private readonly stats: TxnStats, private readonly fault: (point: string) => void, private readonly shared?: TxnShared) {
    this.txn = decisions.newTxn();
    this.gid = gidOfTxn(this.txn);
  }

  /**
   * A read for the transaction: inside it on a partition it has already touched (so it sees the
   * transaction's own writes there), otherwise as an auto-commit read that opens nothing on `p`
   * (the coordinator's locks isolate it).
   */
  read(op: Extract<FragmentOp, { op: 'run' | 'scan' }>): Promise<unknown> {
    return this.touched.has(op.p) ? this.run(op) : this.exec.call(op, this.cx);
  }

  /** Runs an op on `p` inside this transaction (the op's `tx` is set here). */
  async run(op: Extract<FragmentOp, { op: 'run' | 'scan' | 'apply' }>): Promise<unknown> {
    this.checkEpoch(op.p);
    if (!this.touched.has(op.p)) {
      this.touched.add(op.p);
      this.began.set(op.p, this.shared?.epochs.of(op.p) ?? 0);
    }
    if (op.op === 'apply' || (op.op === 'run' && this.writing)) {
      this.wrote.add(op.p);
      this.stmtWrote.add(op.p);
    }
    return this.exec.call({ ...op, tx: this.gid }, this.cx);
  }

  /** True when a shard serving one of its partitions restarted since the transaction began there. */
  lostPartition(): number | undefined {
    for (const [p, e] of this.began) if ((this.shared?.epochs.of(p) ?? 0) !== e) return p;
    return undefined;
  }

  private checkEpoch(p: number): void {
    const b = this.began.get(p);
    if (b !== undefined && (this.shared?.epochs.of(p) ?? 0) !== b) throw serializationFailure(`the transaction's work on partition ${p} was lost when its shard restarted; the transaction was rolled back, retry it`);
  }

  async commit(): Promise<void> {
    const lost = this.lostPartition();
    if (lost !== undefined) this.checkEpoch(lost);
    // Partitions only read end their session (nothing to make durable); the writers commit.
    const readers = [...this.touched].filter((p) => !this.wrote.has(p));
    await Promise.all(readers.map((p) => this.exec.call({ op: 'abort', p, tx: this.gid }).catch(() => undefined)));
    const ps = [...this.wrote].sort((a, b) => a - b);
    if (ps.length === 0) return;
    if (ps.length === 1) {
      await this.exec.call({ op: 'commit', p: ps[0]!, tx: this.gid });
      return;
    }
    const t0 = performance.now();
    this.stats.prepares += ps.length;
    await Promise.all(ps.map((p) => this.exec.call({ op: 'prepare', p, tx: this.gid }, this.cx)));
    this.fault('2pc:after-prepare');
    // A shard that died after its PREPARE is in doubt, and the router may already have aborted it
    // (presumed abort): never log COMMIT then. Nothing awaits between here and the log append.
    const lostAfter = this.lostPartition();
    if (lostAfter !== undefined) this.checkEpoch(lostAfter);
    this.shared?.committing.add(this.txn);
    try {
      await this.decisions.logCommit(this.txn, ps);
      this.fault('2pc:after-decision');
      await this.finish(ps);
    } finally {
      this.shared?.committing.delete(this.txn);
    }
    this.stats.commits++;
    this.stats.commitMsTotal += performance.now() - t0;
  }

  /** Phase two: COMMIT to every partition (the decision is durable); FORGET once all acked. */
  private async finish(ps: readonly number[]): Promise<void> {
    let acked = 0;
    const send = async (p: number): Promise<void> => {
      try {
        await this.exec.call({ op: 'commit', p, tx: this.gid });
        acked++;
      } catch {
        // The decision is durable: the partition is in doubt until its shard restarts and the
        // router resolves it from the log (resolveInDoubt). The client's commit stands.
      }
    };
    await send(ps[0]!);
    this.fault('2pc:mid-commit');
    await Promise.all(ps.slice(1).map(send));
    if (acked === ps.length) this.decisions.forget(this.txn);
  }

  /** Rolls back on every partition touched (idempotent on the shard; errors are ignored). */
  async abort(): Promise<void> {
    this.stats.aborts++;
    await Promise.all([...this.touched].map((p) => this.exec.call({ op: 'abort', p, tx: this.gid }).catch(() => undefined)));
  }
}

/**
 * Settles transactions a crash left PREPAREd: COMMIT where the log holds the decision for that
 * partition, ABORT otherwise (presumed abort). Then forgets decisions no partition still waits
 * for. Runs at start, before the server is ready, and after a shard restarts.
 */
export async function resolveInDoubt(exec: PartitionExecutor, decisions: Decisions, committing: ReadonlySet<bigint> = new Set()): Promise<{ committed: number; aborted: number }> {
  const list = (await exec.call({ op: 'inDoubt' })) as { p: number; gid: string }[];
  const live = decisions.live();
  let committed = 0;
  let aborted = 0;
  for (const { p, gid } of list) {
    const m = /^tx(\d+)$/.exec(gid);
    if (!m) throw new HeliosError('INTERNAL', `partition ${p} holds a prepared transaction with a foreign gid '${gid}'`);
    const commit = live.get(BigInt(m[1]!))?.includes(p) ?? false;
    await exec.call({ op: 'resolve', p, gid, commit });
    if (commit) committed++; else aborted++;
  }
  // Decisions still being carried out by their transaction are its to forget.
  for (const txn of [...live.keys()]) if (!committing.has(txn)) decisions.forget(txn);
  return { committed, aborted };
}
