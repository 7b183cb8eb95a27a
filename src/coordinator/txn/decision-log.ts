/**
 * The coordinator's decision log: the small durable file that makes a distributed commit
 * decision survive a crash. Only COMMIT decisions are logged — presumed abort: a transaction the
 * log does not know was aborted — so an aborting transaction costs no log write at all.
 *
 * ```
 * file   := record*
 * record := u32 body length · u32 crc32(body) · body            (little-endian)
 * body   := u8 kind · u64 id · u16 n · n × u32 partition
 *   kind 1 EPOCH  id = the coordinator's boot epoch (written, synced, at every open)
 *   kind 2 COMMIT id = txn id, partitions = the participants that voted yes
 *   kind 3 FORGET id = txn id (every participant acked the COMMIT; n = 0)
 * ```
 * Recovery reads records until the first one that is short, has a bad checksum or an unknown
 * kind (a torn tail from a crash mid-append), truncates the file there, and rebuilds the live set
 * (COMMITs without FORGET). A COMMIT is acknowledged to anyone only after {@link DecisionLog.sync}
 * (fdatasync), so a torn record was never acknowledged. A lost FORGET only makes the coordinator
 * resend a COMMIT that participants ack idempotently.
 *
 * Epochs: each open appends EPOCH(last + 1) durably. Transaction ids embed the epoch
 * (`txn-ids.ts`), so ids never repeat across restarts — a new transaction can never collide with
 * an in-doubt one of an earlier life whose gid is still in some partition's WAL.
 *
 * Compaction: when FORGETs pile up, {@link DecisionLog.compact} writes the live decisions (and
 * the epoch) to `decisions.log.tmp`, fdatasyncs it and renames it over the log (then syncs the
 * directory). A crash before the rename leaves the old log whole; a stale tmp is deleted at open.
 *
 * This class does I/O; the protocol that writes it is `../distributed-txn.ts` (through
 * `../log-decisions.ts`, which group-commits the fdatasync).
 */
import { crc32 } from 'node:zlib';
import { HeliosError } from '../../errors.js';
import { txnId, type TxnId } from './txn-ids.js';
import type { LogHandle, LogIO } from './log-io.js';

const KIND = { EPOCH: 1, COMMIT: 2, FORGET: 3 } as const;
const HEADER = 8;
const BODY_MIN = 11;
/** Far above any real record (65535 partitions × 4 bytes + 11): a longer length is a torn tail. */
const BODY_MAX = 11 + 4 * 65535;

export interface DecisionLogOptions {
  readonly io: LogIO;
  readonly dir: string;
  /** Compact when at least this many FORGETs are in the file (default 4096). */
  readonly compactAfterForgets?: number;
}

export interface DecisionLogRecovery {
  /** COMMIT decisions whose participants have not all acked: the coordinator resends them. */
  readonly live: ReadonlyMap<TxnId, readonly number[]>;
  readonly records: number;
  /** Bytes of torn tail cut off at open. */
  readonly discardedBytes: number;
  readonly reason: string | null;
}

export class DecisionLog {
  /** This boot's epoch (1 for a new log). */
  readonly epoch: number;
  readonly recovery: DecisionLogRecovery;
  private readonly file: string;
  private readonly tmp: string;
  private fh: LogHandle;
  private end: number;
  private readonly live = new Map<TxnId, readonly number[]>();
  private forgets = 0;
  private dirty = false;

  constructor(private readonly opts: DecisionLogOptions) {
    this.file = `${opts.dir}/decisions.log`;
    this.tmp = `${this.file}.tmp`;
    const io = opts.io;
    try {
      io.mkdirp(opts.dir);
      if (io.exists(this.tmp)) io.unlink(this.tmp);
      this.fh = io.open(this.file, true);
      const { end, epoch, records, reason } = this.scan();
      const discardedBytes = this.fh.size() - end;
      if (discardedBytes > 0) this.fh.truncate(end);
      this.end = end;
      this.recovery = { live: new Map(this.live), records, discardedBytes, reason };
      this.epoch = epoch + 1;
      this.append(KIND.EPOCH, BigInt(this.epoch), []);
      this.sync();
    } catch (e) {
      throw wrap(e, `opening the decision log '${this.file}'`);
    }
  }

  /** The live decisions (COMMIT logged, not yet forgotten). */
  liveDecisions(): ReadonlyMap<TxnId, readonly number[]> {
    return this.live;
  }

  /** Appends a COMMIT decision (written now, durable after {@link sync}). */
  appendCommit(txn: TxnId, partitions: readonly number[]): void {
    if (partitions.length === 0 || partitions.length > 65535) throw new HeliosError('INTERNAL', `decision log: transaction ${txn} has ${partitions.length} participants`);
    this.append(KIND.COMMIT, txn, partitions);
    this.live.set(txn, [...partitions]);
  }

  /** Appends a FORGET (no sync needed: losing it only causes an idempotent resend). */
  appendForget(txn: TxnId): void {
    if (!this.live.delete(txn)) return;
    this.append(KIND.FORGET, txn, []);
    this.forgets++;
  }

  /** fdatasync: every record appended so far survives a crash once this returns. */
  sync(): void {
    if (!this.dirty) return;
    try {
      this.fh.datasync();
    } catch (e) {
      throw wrap(e, `fdatasync of '${this.file}'`);
    }
    this.dirty = false;
  }

  /** True when enough FORGETs have piled up for {@link compact} to be worth its writes. */
  wantsCompaction(): boolean {
    return this.forgets >= (this.opts.compactAfterForgets ?? 4096);
  }

  /** Rewrites the log with only the epoch and the live decisions (atomic: tmp file + rename). */
  compact(): void {
    const io = this.opts.io;
    try {
      this.sync();
      const out = io.open(this.tmp, true);
      out.truncate(0);
      let at = 0;
      const put = (kind: number, id: bigint, parts: readonly number[]): void => {
        const rec = encode(kind, id, parts);
        out.write(rec, 0, rec.length, at);
        at += rec.length;
      };
      put(KIND.EPOCH, BigInt(this.epoch), []);
      for (const [txn, parts] of this.live) put(KIND.COMMIT, txn, parts);
      out.datasync();
      out.close();
      this.fh.close();
      io.rename(this.tmp, this.file);
      io.syncDir(this.opts.dir);
      this.fh = io.open(this.file, false);
      this.end = at;
      this.forgets = 0;
    } catch (e) {
      throw wrap(e, `compacting '${this.file}'`);
    }
  }

  close(): void {
    this.sync();
    this.fh.close();
  }

  /** Size of the log file in bytes (for metrics and tests). */
  get bytes(): number {
    return this.end;
  }

  private append(kind: number, id: bigint, parts: readonly number[]): void {
    const rec = encode(kind, id, parts);
    try {
      this.fh.write(rec, 0, rec.length, this.end);
    } catch (e) {
      throw wrap(e, `appending to '${this.file}'`);
    }
    this.end += rec.length;
    this.dirty = true;
  }

  private scan(): { end: number; epoch: number; records: number; reason: string | null } {
    const size = this.fh.size();
    const buf = new Uint8Array(size);
    this.fh.read(buf, 0, size, 0);
    const dv = new DataView(buf.buffer);
    let at = 0;
    let epoch = 0;
    let records = 0;
    let reason: string | null = null;
    while (at < size) {
      if (size - at < HEADER) {
        reason = `short record header at byte ${at}`;
        break;
      }
      const len = dv.getUint32(at, true);
      if (len < BODY_MIN || len > BODY_MAX || at + HEADER + len > size) {
        reason = `bad record length ${len} at byte ${at}`;
        break;
      }
      const body = buf.subarray(at + HEADER, at + HEADER + len);
      if (crc32(body) !== dv.getUint32(at + 4, true)) {
        reason = `bad checksum at byte ${at}`;
        break;
      }
      const kind = body[0]!;
      const id = dv.getBigUint64(at + HEADER + 1, true);
      const n = dv.getUint16(at + HEADER + 9, true);
      if (len !== BODY_MIN + 4 * n || (kind !== KIND.EPOCH && kind !== KIND.COMMIT && kind !== KIND.FORGET)) {
        reason = `malformed record (kind ${kind}) at byte ${at}`;
        break;
      }
      if (kind === KIND.EPOCH) epoch = Math.max(epoch, Number(id));
      else if (kind === KIND.COMMIT) {
        const parts: number[] = [];
        for (let i = 0; i < n; i++) parts.push(dv.getUint32(at + HEADER + BODY_MIN + 4 * i, true));
        this.live.set(txnId(id), parts);
      } else if (this.live.delete(txnId(id))) this.forgets++;
      records++;
      at += HEADER + len;
    }
    return { end: at, epoch, records, reason };
  }
}

function encode(kind: number, id: bigint, parts: readonly number[]): Uint8Array {
  const len = BODY_MIN + 4 * parts.length;
  const rec = new Uint8Array(HEADER + len);
  const dv = new DataView(rec.buffer);
  dv.setUint32(0, len, true);
  rec[HEADER] = kind;
  dv.setBigUint64(HEADER + 1, id, true);
  dv.setUint16(HEADER + 9, parts.length, true);
  parts.forEach((p, i) => dv.setUint32(HEADER + BODY_MIN + 4 * i, p, true));
  dv.setUint32(4, crc32(rec.subarray(HEADER)), true);
  return rec;
}

function wrap(e: unknown, what: string): HeliosError {
  if (e instanceof HeliosError) return e;
  return new HeliosError('INTERNAL', `decision log: ${what} failed: ${(e as Error).message}`);
}
