/**
 * A simulated cluster for the transaction tests: real paged partitions (each on its own
 * power-loss-simulating MemoryFileIO), one Participant + LockManager per shard, the pure
 * TwoPhaseCommit with a real DecisionLog (on its own MemoryFileIO), and explicit message queues
 * in place of the rings. Nothing runs unless a test says so: every message is delivered by a
 * call, so a test can stop the world — crash a shard or the whole process — between any two
 * steps of two-phase commit.
 *
 * The data: a bank. Table 1 holds accounts (rowid 1..accounts, one integer balance) in every
 * partition; a transfer also inserts a history row (rowid = txn id, value = its delta) into each
 * partition it touches, so atomicity is checkable: a transaction's history rows are in all of its
 * partitions or in none.
 *
 * Shell rules it follows (the same the real shard loop and coordinator must follow): a shard
 * syncs its partitions after each delivered batch and only then emits its messages; the
 * coordinator appends every `log-commit` of a turn, syncs the log once, then calls
 * decisionsDurable.
 */
import { HeliosError } from '../../src/errors.js';
import { createBufferPool, MemoryFileIO, openPartition, type Partition } from '../../src/storage/index.js';
import { DecisionLog, NodeLogIO, TwoPhaseCommit, TxnIdAllocator, TxnSessions, epochOf, type Effect } from '../../src/coordinator/txn/index.js';
import { formatMessage, LockManager, lockPlans, Participant, type ToCoordinator, type ToParticipant, type TxnId, type Wakeup } from '../../src/shard/txn/index.js';

export const T_ACC = 1;
export const T_HIST = 2;
export const START = 100n;

export interface SimOptions {
  readonly partitions: number;
  readonly shards: number;
  readonly accounts: number;
  readonly rand: () => number;
  readonly lockWaitTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** Real files under this directory (node:fs, fdatasync) instead of MemoryFileIO; for SIGKILL tests. */
  readonly dir?: string;
  /** Create the bank (default true); false reopens an existing `dir`. */
  readonly fresh?: boolean;
}

interface SimShard {
  readonly id: number;
  readonly parts: Map<number, Partition>;
  participant: Participant;
  inbox: ToParticipant[];
}

export type StepResult = 'ok' | 'waiting' | HeliosError;

export const fmtTxn = (t: TxnId): string => (t < 0n ? `fence` : `T${epochOf(t)}.${t & ((1n << 40n) - 1n)}`);

export class SimCluster {
  now = 0;
  readonly trace: string[] = [];
  readonly partIO: MemoryFileIO[] = [];
  readonly logIO = new MemoryFileIO();
  shards: SimShard[] = [];
  coord!: TwoPhaseCommit;
  log!: DecisionLog;
  ids!: TxnIdAllocator;
  sessions!: TxnSessions;
  toCoord: ToCoordinator[] = [];
  /** Client-visible outcomes (what was acknowledged). */
  readonly outcomes = new Map<TxnId, { committed: boolean; error?: HeliosError }>();
  /** Partitions each transaction wrote (the test's knowledge, for the atomicity check). */
  readonly wrote = new Map<TxnId, Set<number>>();
  /** Wakeups of parked statements, per transaction. */
  readonly wakeups = new Map<TxnId, Wakeup>();

  constructor(readonly opts: SimOptions) {
    for (let p = 0; p < opts.partitions; p++) this.partIO.push(new MemoryFileIO());
    this.boot();
    if (opts.fresh === false) return;
    for (const s of this.shards) {
      for (const [, part] of s.parts) {
        const t = part.begin();
        t.createTable({ id: T_ACC, columns: ['integer'] });
        t.createTable({ id: T_HIST, columns: ['integer'] });
        for (let a = 1; a <= opts.accounts; a++) t.insert(T_ACC, BigInt(a), [START]);
        t.commit();
        part.sync();
      }
    }
  }

  shardOf(p: number): SimShard {
    return this.shards[p % this.opts.shards]!;
  }

  private openShard(id: number): SimShard {
    const pool = createBufferPool({ bytes: 2 << 20 });
    const parts = new Map<number, Partition>();
    for (let p = id; p < this.opts.partitions; p += this.opts.shards) {
      const where = this.opts.dir ? { dir: `${this.opts.dir}/data` } : { dir: '/db', fileIO: this.partIO[p]! };
      parts.set(p, openPartition(p, { ...where, walMode: 'sync' }, pool));
    }
    const locks = new LockManager({ lockWaitTimeoutMs: this.opts.lockWaitTimeoutMs ?? 1000, idleTimeoutMs: this.opts.idleTimeoutMs ?? 5000, verify: true });
    const s: SimShard = { id, parts, participant: new Participant({ shard: id, partitions: parts, locks }), inbox: [] };
    const r = s.participant.recover(this.now);
    for (const m of r.out) this.trace.push(`  shard ${id} recovered in-doubt ${fmtTxn(m.txn)} on p${m.partition}`);
    this.emit(s, r.out);
    return s;
  }

  private boot(): void {
    this.shards = [];
    for (let s = 0; s < this.opts.shards; s++) this.shards.push(this.openShard(s));
    this.log = this.opts.dir
      ? new DecisionLog({ io: new NodeLogIO(), dir: `${this.opts.dir}/coord`, compactAfterForgets: 8 })
      : new DecisionLog({ io: this.logIO, dir: '/coord', compactAfterForgets: 8 });
    this.ids = new TxnIdAllocator(this.log.epoch);
    this.coord = new TwoPhaseCommit({ voteTimeoutMs: 500, resendMs: 200 });
    this.sessions = new TxnSessions({
      ids: this.ids,
      twoPc: this.coord,
      shardOf: (p) => p % this.opts.shards,
      defaultTimeoutMs: this.opts.idleTimeoutMs ?? 5000,
      shardTimeoutMarginMs: 1000,
    });
    const live = this.log.liveDecisions();
    if (live.size > 0) this.trace.push(`  coordinator epoch ${this.log.epoch}: ${live.size} live decision(s) ${[...live.keys()].map(fmtTxn).join(' ')}`);
    this.effects(this.coord.restore(live, this.now));
  }

  // --- clients ---

  begin(): TxnId {
    const t = this.sessions.begin(this.now);
    this.wrote.set(t, new Set());
    return t;
  }

  /** Adds `delta` to account `acct` of partition `p` and logs it in p's history. */
  write(txn: TxnId, p: number, acct: number, delta: bigint): StepResult {
    const s = this.shardOf(p);
    const lost = this.route(txn, p);
    if (lost) return lost;
    const r = s.participant.lock(txn, lockPlans.pointWrite(p, T_ACC, BigInt(acct)), this.now);
    if (r.status === 'failed') return r.error;
    this.wrote.get(txn)!.add(p);
    if (r.status === 'waiting') return 'waiting';
    return this.applyWrite(txn, p, acct, delta);
  }

  /** The write part of {@link write}, once its locks are granted (after a wakeup). */
  applyWrite(txn: TxnId, p: number, acct: number, delta: bigint): StepResult {
    try {
      const st = this.shardOf(p).participant.storage(txn, p);
      const row = st.get(T_ACC, BigInt(acct))!;
      st.update(T_ACC, BigInt(acct), [(row[0] as bigint) + delta]);
      const h = st.get(T_HIST, txn);
      st.delete(T_HIST, txn);
      st.insert(T_HIST, txn, [((h?.[0] as bigint | undefined) ?? 0n) + delta]);
      return 'ok';
    } catch (e) {
      return HeliosError.from(e);
    }
  }

  /** Sums the balances of partition p under a table S lock (a scan). */
  scanSum(txn: TxnId, p: number): bigint | 'waiting' | HeliosError {
    const s = this.shardOf(p);
    const lost = this.route(txn, p);
    if (lost) return lost;
    const r = s.participant.lock(txn, lockPlans.scan(p, T_ACC), this.now);
    if (r.status === 'failed') return r.error;
    if (r.status === 'waiting') return 'waiting';
    return this.sumOf(txn, p);
  }

  /**
   * Routes a statement through the coordinator's sessions, beginning the transaction on the shard
   * at its first use. A transaction lost with a restarted shard (or timed out) fails with
   * TX_NOT_FOUND instead of silently starting over there.
   */
  private route(txn: TxnId, p: number): HeliosError | null {
    try {
      for (const step of this.sessions.route(txn, [p], this.now)) {
        if (step.begin) this.shards[step.shard]!.participant.begin(txn, this.now, step.begin.ts, step.begin.idleTimeoutMs);
      }
      return null;
    } catch (e) {
      return HeliosError.from(e);
    }
  }

  /** The read part of {@link scanSum}, once its lock is granted (the transaction may have been rolled back since). */
  sumOf(txn: TxnId, p: number): bigint | HeliosError {
    try {
      const c = this.shardOf(p).participant.storage(txn, p).scan(T_ACC);
      let sum = 0n;
      for (let b = c.nextBatch(); b; b = c.nextBatch()) for (let i = 0; i < b.length; i++) sum += b.value(i, 0) as bigint;
      c.close();
      return sum;
    } catch (e) {
      return HeliosError.from(e);
    }
  }

  /** Commits through the sessions: one partition → one phase on its shard; more → two-phase commit. */
  commit(txn: TxnId): void {
    let plan;
    try {
      plan = this.sessions.commit(txn, this.now);
    } catch (e) {
      this.trace.push(`client commit ${fmtTxn(txn)}`);
      this.outcome(txn, false, HeliosError.from(e));
      return;
    }
    if (plan.kind === 'empty') {
      this.trace.push(`client commit ${fmtTxn(txn)} []`);
      this.outcome(txn, true);
    } else if (plan.kind === 'one-phase') {
      this.trace.push(`client commit ${fmtTxn(txn)} [p${plan.partition}]`);
      const s = this.shards[plan.shard]!;
      let r: { wakeups: Wakeup[] };
      try {
        r = s.participant.commitOnePhase(txn);
      } catch (e) {
        this.sessions.end(txn);
        this.outcome(txn, false, HeliosError.from(e));
        return;
      }
      for (const part of s.parts.values()) part.sync();
      this.sessions.end(txn);
      this.wake(r.wakeups);
      this.outcome(txn, true);
    } else {
      this.trace.push(`client commit ${fmtTxn(txn)} [${plan.partitions.map((p) => `p${p}`).join(' ')}]`);
      this.effects(plan.effects);
    }
  }

  /**
   * Client rollback (or a failed statement): the session's ABORTs, applied at once here (a shell
   * may equally send them; participants abort idempotently).
   */
  rollback(txn: TxnId): void {
    this.abortNow(txn);
    try {
      this.effects(this.sessions.rollback(txn).filter((e) => e.kind !== 'send'));
    } catch {
      // the session is already gone (lost with a shard, or timed out): nothing left to abort
    }
    this.outcome(txn, false, new HeliosError('SERIALIZATION_FAILURE', 'rolled back'));
  }

  private abortNow(txn: TxnId): void {
    for (const s of this.shards) if (s.participant.isOpen(txn)) this.wake(s.participant.abort(txn));
  }

  // --- the network ---

  /** Delivers up to `max` queued messages to shard `s` as one batch (then group commit, then replies). */
  deliverToShard(s: number, max = Infinity): number {
    const sh = this.shards[s]!;
    const batch = sh.inbox.splice(0, Math.min(max, sh.inbox.length));
    const out: ToCoordinator[] = [];
    for (const m of batch) {
      const r = sh.participant.step(m, this.now);
      this.trace.push(`  shard ${s} ← ${formatMessage(m, fmtTxn)}`);
      out.push(...r.out);
      this.wake(r.wakeups);
    }
    for (const part of sh.parts.values()) part.sync(); // group commit before any reply
    this.emit(sh, out);
    return batch.length;
  }

  /** Delivers up to `max` queued participant messages to the coordinator. */
  deliverToCoord(max = Infinity): number {
    const batch = this.toCoord.splice(0, Math.min(max, this.toCoord.length));
    for (const m of batch) {
      this.trace.push(`  coord ← ${formatMessage(m, fmtTxn)}`);
      this.effects(this.coord.step(m, this.now));
    }
    return batch.length;
  }

  /** Delivers everything until no message is left. */
  settle(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      let n = this.deliverToCoord();
      for (let s = 0; s < this.shards.length; s++) n += this.deliverToShard(s);
      if (n === 0) return;
    }
    throw new Error('sim: messages never settle');
  }

  /** Advances the clock and runs every timeout. */
  tick(ms: number): void {
    this.now += ms;
    for (const s of this.shards) {
      const r = s.participant.tick(this.now);
      this.wake(r.wakeups);
      for (const a of r.aborted) {
        this.trace.push(`  shard ${s.id} timed out ${fmtTxn(a.txn)}: ${a.error.code}`);
        this.wakeups.set(a.txn, { txn: a.txn, error: a.error }); // a parked statement gets the error
      }
    }
    const idle = this.sessions.tick(this.now);
    for (const t of idle.expired) {
      this.trace.push(`  coord session ${fmtTxn(t)} idle: rolled back`);
      this.abortNow(t);
    }
    this.effects(this.coord.tick(this.now));
  }

  /** The process dies: every unsynced write may be lost or torn; everything restarts and recovers. */
  crashProcess(): void {
    if (this.opts.dir) throw new Error('sim: a real-file cluster crashes by SIGKILL');
    this.trace.push(`CRASH process`);
    for (const io of [...this.partIO, this.logIO]) io.powerLoss(this.opts.rand);
    this.toCoord = [];
    this.wakeups.clear();
    this.boot();
  }

  /** One shard worker dies and is restarted; the coordinator survives and is told. */
  crashShard(s: number): void {
    this.trace.push(`CRASH shard ${s}`);
    const old = this.shards[s]!;
    for (const p of old.parts.keys()) this.partIO[p]!.powerLoss(this.opts.rand);
    this.shards[s] = this.openShard(s);
    const r = this.sessions.shardRestarted(s, [...old.parts.keys()], this.now);
    for (const t of r.lost) this.trace.push(`  coord session ${fmtTxn(t)} lost with shard ${s}`);
    this.effects(r.effects);
  }

  // --- checks ---

  /** Committed state of every partition, read outside any transaction (after settle). */
  snapshot(): { balances: bigint[][]; history: Map<TxnId, Map<number, bigint>>; sum: bigint } {
    const balances: bigint[][] = [];
    const history = new Map<TxnId, Map<number, bigint>>();
    let sum = 0n;
    for (let p = 0; p < this.opts.partitions; p++) {
      const part = this.shardOf(p).parts.get(p)!;
      const t = part.begin();
      const row: bigint[] = [];
      for (let a = 1; a <= this.opts.accounts; a++) {
        const v = t.get(T_ACC, BigInt(a))![0] as bigint;
        row.push(v);
        sum += v;
      }
      balances.push(row);
      const c = t.scan(T_HIST);
      for (let b = c.nextBatch(); b; b = c.nextBatch()) {
        for (let i = 0; i < b.length; i++) {
          const id = b.rowid(i) as TxnId;
          if (!history.has(id)) history.set(id, new Map());
          history.get(id)!.set(p, b.value(i, 0) as bigint);
        }
      }
      c.close();
      t.abort();
    }
    return { balances, history, sum };
  }

  inDoubt(): TxnId[] {
    return this.shards.flatMap((s) => s.participant.inDoubt());
  }

  // --- internals ---

  private emit(s: SimShard, out: readonly ToCoordinator[]): void {
    for (const m of out) this.trace.push(`  shard ${s.id} → ${formatMessage(m, fmtTxn)}`);
    this.toCoord.push(...out);
  }

  private wake(ws: readonly Wakeup[]): void {
    for (const w of ws) {
      if (w.txn < 0n) continue;
      this.wakeups.set(w.txn, w);
      this.trace.push(`  wakeup ${fmtTxn(w.txn)}: ${w.error ? `failed ${w.error.code}` : 'locks granted'}`);
    }
  }

  private outcome(txn: TxnId, committed: boolean, error?: HeliosError): void {
    this.trace.push(`  client ← ${fmtTxn(txn)} ${committed ? 'COMMITTED' : `ABORTED (${error?.code})`}`);
    this.outcomes.set(txn, error ? { committed, error } : { committed });
  }

  /** Performs coordinator effects in the order the shell must. */
  private effects(fx: readonly Effect[]): void {
    const logged: TxnId[] = [];
    for (const e of fx) {
      if (e.kind === 'log-commit') {
        this.log.appendCommit(e.txn, e.partitions);
        logged.push(e.txn);
        this.trace.push(`  coord log COMMIT ${fmtTxn(e.txn)} [${e.partitions.map((p) => `p${p}`).join(' ')}]`);
      }
    }
    if (logged.length > 0) {
      this.log.sync();
      this.effects(this.coord.decisionsDurable(logged, this.now));
    }
    for (const e of fx) {
      if (e.kind === 'send') {
        this.trace.push(`  coord → ${formatMessage(e.msg, fmtTxn)}`);
        this.shardOf(e.msg.partition).inbox.push(e.msg);
      } else if (e.kind === 'outcome') this.outcome(e.txn, e.committed, e.error);
      else if (e.kind === 'log-forget') {
        this.log.appendForget(e.txn);
        this.trace.push(`  coord log FORGET ${fmtTxn(e.txn)}`);
      }
    }
    if (this.log.wantsCompaction()) this.log.compact();
  }
}
