/**
 * A partition on the paged engine: the pager (data file), this partition's share of the buffer
 * pool, the catalog, the WAL, and the transactions open on it.
 *
 * Life of a commit: `txn.commit()` encodes the transaction's redo operations into one WAL record
 * (buffered); `partition.sync()` — once per shard batch — writes every buffered record with one
 * write(2) and, in 'sync' mode, one fdatasync (group commit). In 'async' mode a timer fdatasyncs
 * every `asyncSyncIntervalMs`.
 *
 * Checkpoints run at `checkpoint()`, when the WAL passes `checkpointWalBytes` at a `sync()`, and
 * at `close()`. Open transactions' writes are taken out of the pages around a checkpoint (see
 * {@link PagedPartition.runCheckpoint}); one that ran DDL or is PREPAREd makes it wait until it
 * ends.
 *
 * Faults: any I/O error or corruption met while changing state poisons the partition — every
 * later call throws until it is reopened (after a failed fsync the kernel may have dropped the
 * dirty pages, so retrying could silently lose data). Recovery at reopen starts from durable state.
 */
import * as path from 'node:path';
import { HeliosError } from '../../errors.js';
import type { Partition, PartitionStats, StorageOptions, StorageTxn, Value } from '../api.js';
import type { PageStore } from '../btree/btree.js';
import type { TableLocation } from '../btree/view-table.js';
import type { BufferPool } from '../buffer/buffer-pool.js';
import { type FileIO, NodeFileIO } from '../io/file-io.js';
import { failpoint } from '../io/failpoint.js';
import { Pager } from '../pager/pager.js';
import { type Op, ByteReader, readOp, writeOp } from '../wal/wal-ops.js';
import { RecordKind, Wal } from '../wal/wal.js';
import { Applier } from './apply.js';
import { Catalog } from './catalog.js';
import { checkPartition } from './check.js';
import { PagedTxn } from './txn.js';
import { copyPartition } from './vacuum.js';

/** Engine options beyond the shared {@link StorageOptions} (all optional). */
export interface PagedStorageOptions extends StorageOptions {
  /** The file system (tests pass a MemoryFileIO or FaultFileIO). */
  readonly fileIO?: FileIO;
  /** Checkpoint once the WAL is this large (default 64 MiB). */
  readonly checkpointWalBytes?: number;
  /** Structured events: recovery summary, checkpoints, poisoning. */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
  /** @internal file name stem (vacuum builds `p<N>.vacuum.*` beside the live files). */
  readonly stem?: string;
}

export interface RecoveryReport {
  readonly checkpointLsn: bigint;
  readonly commitsReplayed: number;
  readonly operationsReplayed: number;
  readonly inDoubt: string[];
  readonly discardedBytes: number;
  readonly reason: string | null;
  readonly lastLsn: bigint;
}

export class PagedPartition implements Partition {
  readonly io: FileIO;
  pager!: Pager;
  wal!: Wal;
  catalog!: Catalog;
  applier!: Applier;
  store!: PageStore;
  owner = -1;
  readonly prepared = new Map<string, PagedTxn>();
  readonly open = new Set<PagedTxn>();
  recovery!: RecoveryReport;
  private lsn = 0n;
  private nextTxn = 1n;
  private poisoned: HeliosError | null = null;
  private closed = false;
  private checkpointWanted = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly walLimit: number;
  private readonly log: (event: string, fields: Record<string, unknown>) => void;

  constructor(readonly id: number, readonly opts: PagedStorageOptions, readonly pool: BufferPool) {
    if (opts.pageSize !== undefined && opts.pageSize !== pool.pageSize) {
      throw new HeliosError('INTERNAL', `storage: partition ${id} asks for ${opts.pageSize}-byte pages but the buffer pool has ${pool.pageSize}`);
    }
    if (opts.walMode !== 'sync' && opts.walMode !== 'async') throw new HeliosError('INTERNAL', `storage: wal mode must be 'sync' or 'async', not '${String(opts.walMode)}'`);
    this.io = opts.fileIO ?? new NodeFileIO();
    this.walLimit = opts.checkpointWalBytes ?? 64 * 1024 * 1024;
    this.log = opts.log ?? (() => {});
    try {
      this.io.mkdirp(opts.dir);
    } catch (e) {
      throw new HeliosError('INTERNAL', `storage: cannot create directory '${opts.dir}': ${(e as Error).message}`);
    }
    this.openFiles();
    this.recover();
    if (opts.walMode === 'async') {
      this.timer = setInterval(() => this.timedSync(), opts.asyncSyncIntervalMs ?? 10);
      this.timer.unref();
    }
  }

  private openFiles(): void {
    const stem = this.opts.stem;
    this.pager = new Pager(this.io, this.opts.dir, this.id, this.pool.pageSize, stem);
    const pager = this.pager;
    this.owner = this.pool.registerOwner({ loadPage: (pg, dst) => pager.load(pg, dst), spillPage: (pg, src) => pager.spillPage(pg, src) });
    const pool = this.pool;
    const owner = this.owner;
    this.store = {
      pool,
      owner,
      allocPage: () => pager.allocate(),
      freePage: (pg) => {
        pool.discard(owner, pg);
        pager.release(pg);
      },
    };
    this.catalog = Catalog.load(pager.readCatalog(), this.store, pager.file);
    this.applier = new Applier(this.store, this.catalog);
    if (!this.wal) this.wal = new Wal(this.io, this.opts.dir, this.id, stem);
  }

  private recover(): void {
    const ckpt = this.pager.header.checkpointLsn;
    this.lsn = ckpt;
    this.nextTxn = this.pager.header.nextTxnId;
    const scan = this.wal.scan(ckpt);
    const stash = new Map<bigint, { gid: string; ops: Op[] }>();
    let commits = 0;
    let nops = 0;
    const opsOf = (r: { body: Uint8Array; opsAt: number }): Op[] => {
      const rd = new ByteReader(r.body, r.opsAt, r.body.length);
      const out: Op[] = [];
      while (rd.pos < rd.end) out.push(readOp(rd));
      return out;
    };
    for (const r of scan.records) {
      if (r.txnId >= this.nextTxn) this.nextTxn = r.txnId + 1n;
      if (r.lsn <= ckpt) continue;
      this.lsn = r.lsn;
      if (r.kind === RecordKind.COMMIT || r.kind === RecordKind.RESOLVE_COMMIT) {
        const ops = r.kind === RecordKind.COMMIT ? opsOf(r) : (stash.get(r.txnId)?.ops ?? []);
        stash.delete(r.txnId);
        for (const op of ops) this.applier.apply(op, null);
        commits++;
        nops += ops.length;
      } else if (r.kind === RecordKind.PREPARE) stash.set(r.txnId, { gid: r.gid, ops: opsOf(r) });
      else if (r.kind === RecordKind.RESOLVE_ABORT) stash.delete(r.txnId);
    }
    for (const [txnId, s] of stash) {
      const t = new PagedTxn(this, txnId);
      for (const op of s.ops) this.applier.apply(op, t.undo);
      for (const op of s.ops) writeOp(t.redo, op);
      t.redoOps += s.ops.length;
      t.gid = s.gid;
      t.state = 'prepared';
      this.open.add(t);
      this.prepared.set(s.gid, t);
    }
    this.recovery = {
      checkpointLsn: ckpt,
      commitsReplayed: commits,
      operationsReplayed: nops,
      inDoubt: [...stash.values()].map((s) => s.gid),
      discardedBytes: scan.discardedBytes,
      reason: scan.reason,
      lastLsn: this.lsn,
    };
    this.log('storage.recovery', { partition: this.id, file: this.wal.file, ...this.recovery, checkpointLsn: String(ckpt), lastLsn: String(this.lsn) });
  }

  /** True once a failure poisoned the partition: its pages may hold work the WAL never got. */
  get failed(): boolean {
    return this.poisoned !== null;
  }

  /**
   * Where table `id`'s tree lives in the buffer pool — the pool's owner id, the root page and the
   * column kinds — for optimistic reads from another thread ({@link BufferPool.attach}). Valid
   * until DDL or VACUUM changes the table or the partition's files; undefined: no such table.
   */
  tableLocation(id: number): TableLocation | undefined {
    const t = this.catalog.tables.get(id);
    return t ? { owner: this.owner, root: t.tree.root, columns: [...t.columns] } : undefined;
  }

  // --- state guards ---
  live(): void {
    if (this.poisoned) throw new HeliosError('INTERNAL', `storage: partition ${this.id} refuses work after an earlier failure (reopen it): ${this.poisoned.message}`);
    if (this.closed) throw new HeliosError('INTERNAL', `storage: partition ${this.id} is closed`);
  }

  /** Marks the partition failed; returns the error to throw. */
  poison(e: unknown, where: string): HeliosError {
    const err = HeliosError.from(e);
    if (err.code === 'CONSTRAINT') return err;
    if (!this.poisoned) {
      this.poisoned = err;
      this.log('storage.poisoned', { partition: this.id, where, error: err.message });
    }
    return err;
  }

  private guard<T>(where: string, fn: () => T): T {
    this.live();
    try {
      return fn();
    } catch (e) {
      throw this.poison(e, where);
    }
  }

  // --- Partition ---
  begin(): StorageTxn {
    this.live();
    const t = new PagedTxn(this, this.nextTxn++);
    this.open.add(t);
    return t;
  }

  preparedTransactions(): Map<string, StorageTxn> {
    return new Map(this.prepared);
  }

  /** Re-attaches a partial index's predicate after a reopen (it cannot be persisted). */
  bindIndexPredicate(index: number, predicate: (row: readonly Value[]) => boolean): void {
    this.live();
    const ix = this.catalog.index(index);
    if (!ix.partial) throw new HeliosError('INTERNAL', `storage: index ${index} is not partial`);
    ix.predicate = predicate;
  }

  logCommit(t: PagedTxn): bigint {
    return this.guard('commit', () => {
      if (t.state === 'prepared') {
        this.wal.append(++this.lsn, RecordKind.RESOLVE_COMMIT, t.id, t.gid, null);
        return this.lsn;
      }
      if (t.redoOps === 0) return this.lsn;
      this.wal.append(++this.lsn, RecordKind.COMMIT, t.id, '', t.redo);
      return this.lsn;
    });
  }

  logPrepare(t: PagedTxn, gid: string): void {
    this.guard('prepare', () => {
      this.wal.append(++this.lsn, RecordKind.PREPARE, t.id, gid, t.redo);
      // A PREPARE promises the coordinator durability, whatever the WAL mode.
      this.wal.sync();
    });
  }

  logAbort(t: PagedTxn): void {
    this.guard('abort', () => this.wal.append(++this.lsn, RecordKind.RESOLVE_ABORT, t.id, t.gid, null));
  }

  ended(t: PagedTxn): void {
    this.open.delete(t);
    if (this.checkpointWanted && !this.poisoned && this.canCheckpoint()) this.checkpoint();
  }

  /**
   * A checkpoint may run with transactions open (their writes are taken out around it) unless
   * one of them ran DDL (catalog changes are not undone/redone that way) or is PREPAREd (its
   * PREPARE record must not leave the WAL before the decision).
   */
  private canCheckpoint(): boolean {
    for (const t of this.open) if (t.ddl || t.state === 'prepared') return false;
    return true;
  }

  sync(): bigint {
    return this.guard('sync', () => {
      if (this.opts.walMode === 'sync') this.wal.sync();
      else this.wal.flush();
      const durable = this.opts.walMode === 'sync' ? this.wal.syncedLsn : this.wal.writtenLsn;
      if (this.wal.size > this.walLimit && this.canCheckpoint()) this.runCheckpoint();
      return durable;
    });
  }

  private timedSync(): void {
    if (this.poisoned || this.closed) return;
    try {
      this.wal.sync();
    } catch (e) {
      this.poison(e, 'async WAL fdatasync');
    }
  }

  checkpoint(): void {
    this.guard('checkpoint', () => {
      if (!this.canCheckpoint()) {
        this.checkpointWanted = true;
        return;
      }
      this.runCheckpoint();
    });
  }

  private *dirtyImages(): Generator<[number, Uint8Array]> {
    const seen = new Set<number>();
    for (const [pg, f] of this.pool.dirtyFrames(this.owner)) {
      seen.add(pg);
      yield [pg, this.pool.frameBytes(f)];
    }
    const tmp = new Uint8Array(this.pool.pageSize);
    for (const pg of this.pager.spilledPages()) {
      if (seen.has(pg)) continue;
      if (this.pool.isResident(this.owner, pg)) {
        const f = this.pool.fetch(this.owner, pg);
        try {
          tmp.set(this.pool.frameBytes(f));
        } finally {
          this.pool.unpin(f);
        }
      } else this.pager.load(pg, tmp);
      yield [pg, tmp];
    }
  }

  /**
   * Checkpoint proper: WAL durable → double-write → data → WAL reset. The data file must receive
   * committed data only, so the open transactions' writes are taken out first (each one's undo
   * log; they touch disjoint rows, so the order does not matter) and put back afterwards (each
   * one's redo log, which also rebuilds its undo log). Cost: proportional to their size.
   */
  runCheckpoint(): void {
    this.checkpointWanted = false;
    this.wal.sync();
    const live = [...this.open];
    const undoOp = (op: Op): void => this.applier.apply(op, null);
    for (const t of live) t.undo.rollBack(undoOp);
    const dirty = this.pool.dirtyFrames(this.owner);
    const walBytes = this.wal.size;
    this.pager.checkpoint(this.dirtyImages(), this.catalog.serialize(), this.lsn, this.nextTxn);
    for (const [, f] of dirty) this.pool.clearDirty(f);
    this.wal.reset(this.lsn);
    failpoint('checkpoint.after-wal-truncate');
    for (const t of live) {
      const rd = new ByteReader(t.redo.buf, 0, t.redo.len);
      while (rd.pos < rd.end) this.applier.apply(readOp(rd), t.undo);
    }
    this.log('storage.checkpoint', { partition: this.id, lsn: String(this.lsn), pages: dirty.length, walBytes });
  }

  vacuum(): void {
    this.guard('vacuum', () => {
      if (this.open.size > 0) throw new HeliosError('INTERNAL', `storage: VACUUM of partition ${this.id} needs no open transactions (${this.open.size} open)`);
      this.runCheckpoint();
      const before = this.pager.pageCount;
      const predicates = new Map<number, ((row: readonly Value[]) => boolean) | undefined>();
      for (const ix of this.catalog.indexes.values()) predicates.set(ix.id, ix.predicate);
      const stem = `p${this.id}.vacuum`;
      const tmpOpts: PagedStorageOptions = { dir: this.opts.dir, walMode: 'sync', fileIO: this.io, stem };
      for (const ext of ['db', 'wal', 'dw', 'spill']) this.io.unlink(path.join(this.opts.dir, `${stem}.${ext}`));
      const copy = new PagedPartition(this.id, tmpOpts, this.pool);
      try {
        copyPartition(this, copy);
        copy.lsn = this.lsn;
        copy.nextTxn = this.nextTxn;
        copy.runCheckpoint();
      } finally {
        copy.closeFiles();
      }
      failpoint('vacuum.before-rename');
      this.closeFiles(false);
      this.io.rename(path.join(this.opts.dir, `${stem}.db`), this.pager.file);
      this.io.syncDir(this.opts.dir);
      for (const ext of ['wal', 'dw', 'spill']) this.io.unlink(path.join(this.opts.dir, `${stem}.${ext}`));
      this.openFiles();
      for (const [id, p] of predicates) {
        const ix = this.catalog.indexes.get(id);
        if (ix) ix.predicate = p;
      }
      this.log('storage.vacuum', { partition: this.id, pagesBefore: before, pagesAfter: this.pager.pageCount });
    });
  }

  /** Releases files and pool frames without a checkpoint (the WAL is kept unless `wal`). */
  closeFiles(wal = true): void {
    this.pool.unregisterOwner(this.owner);
    this.pager.close();
    if (wal) this.wal.close();
  }

  check(): void {
    this.live();
    checkPartition(this);
  }

  stats(): PartitionStats {
    return {
      pages: this.pager.pageCount,
      freePages: this.pager.freeCount(),
      walBytes: this.wal.size,
      cacheHits: this.pool.hits,
      cacheMisses: this.pool.misses,
    };
  }

  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      if (!this.poisoned) {
        for (const t of [...this.open]) if (t.state === 'active') t.abort();
        if (this.open.size === 0) this.runCheckpoint();
        else this.wal.sync();
      }
    } finally {
      this.closed = true;
      this.closeFiles();
    }
  }
}
