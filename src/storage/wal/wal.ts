/**
 * The write-ahead log of one partition: `p<N>.wal`, checksummed records appended per commit.
 *
 * ```
 * file header (32 bytes): u32 magic 'HLWL' · u32 version · u32 partition · u32 salt
 *                         · u64 base LSN (the checkpoint it follows) · u32 crc32(bytes 0..24) · pad
 * record: u32 body length · u32 crc32(body, seeded with the salt) · body
 * body:   u64 LSN · u8 kind · u64 txn id · u16 gid length · gid (utf-8) · operations (wal-ops)
 * ```
 * Kinds: COMMIT (a transaction's operations), PREPARE (2PC: the operations, not yet decided),
 * RESOLVE_COMMIT / RESOLVE_ABORT (the decision for a PREPAREd transaction, no operations).
 *
 * Group commit: `append` only buffers; {@link Wal.flush} writes the whole buffer with one
 * write(2) and {@link Wal.sync} adds one fdatasync — the shard calls it once per batch. The salt
 * changes at every checkpoint's reset, so stale records of an earlier generation that survive in
 * the file's tail never verify. Recovery reads records in order and stops at the first one whose
 * length, checksum or LSN is wrong: a torn tail from a crash mid-write.
 */
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { HeliosError } from '../../errors.js';
import type { FileHandle, FileIO } from '../io/file-io.js';
import { failpoint } from '../io/failpoint.js';
import { guardIo, ioFail } from '../io/io-errors.js';
import { ByteWriter } from './wal-ops.js';

const MAGIC = 0x4c574c48;
const VERSION = 1;
const HEADER = 32;

export const RecordKind = { COMMIT: 1, PREPARE: 2, RESOLVE_COMMIT: 3, RESOLVE_ABORT: 4 } as const;

export interface WalRecord {
  readonly lsn: bigint;
  readonly kind: number;
  readonly txnId: bigint;
  readonly gid: string;
  /** The body bytes and where the operations start in it. */
  readonly body: Uint8Array;
  readonly opsAt: number;
}

export interface WalScan {
  readonly records: WalRecord[];
  /** Bytes after the last good record that were cut off (a torn or garbled tail). */
  readonly discardedBytes: number;
  readonly reason: string | null;
}

export class Wal {
  readonly file: string;
  private fh: FileHandle;
  private salt = 0;
  private end = HEADER;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingLsn = 0n;
  writtenLsn = 0n;
  syncedLsn = 0n;

  constructor(private readonly io: FileIO, dir: string, readonly partitionId: number, stem = `p${partitionId}`) {
    this.file = path.join(dir, `${stem}.wal`);
    try {
      this.fh = io.open(this.file, true);
    } catch (e) {
      throw ioFail(this.file, 'open', e);
    }
  }

  get size(): number {
    return this.end + this.pendingBytes;
  }

  private guard<T>(op: string, fn: () => T): T {
    return guardIo(this.file, op, fn);
  }

  /**
   * Reads every valid record after the header and positions appends after the last one (the bad
   * tail is truncated away). `baseLsn` is the data file's checkpoint LSN.
   */
  scan(baseLsn: bigint): WalScan {
    const size = this.guard('fstat', () => this.fh.size());
    if (size < HEADER) {
      this.reset(baseLsn);
      return { records: [], discardedBytes: size, reason: size > 0 ? 'WAL shorter than its header' : null };
    }
    const buf = new Uint8Array(size);
    this.guard('read', () => this.fh.read(buf, 0, size, 0));
    const dv = new DataView(buf.buffer);
    if (dv.getUint32(0, true) !== MAGIC || crc32(buf.subarray(0, 24)) !== dv.getUint32(24, true)) {
      if (size === HEADER) {
        this.reset(baseLsn);
        return { records: [], discardedBytes: size, reason: 'torn WAL header' };
      }
      throw new HeliosError('INTERNAL', `storage corruption in '${this.file}': the WAL header is damaged (bad magic or checksum) and ${size - HEADER} bytes of records follow; refusing to guess`);
    }
    if (dv.getUint32(4, true) > VERSION) {
      throw new HeliosError('INTERNAL', `'${this.file}' has WAL format version ${dv.getUint32(4, true)}, newer than this build supports (${VERSION})`);
    }
    if (dv.getUint32(8, true) !== this.partitionId) throw new HeliosError('INTERNAL', `storage corruption in '${this.file}': WAL belongs to partition ${dv.getUint32(8, true)}`);
    this.salt = dv.getUint32(12, true);
    const records: WalRecord[] = [];
    let at = HEADER;
    let last = 0n;
    let reason: string | null = null;
    while (at < size) {
      if (size - at < 8) {
        reason = `partial record header at byte ${at}`;
        break;
      }
      const len = dv.getUint32(at, true);
      if (len < 19 || at + 8 + len > size) {
        reason = `record at byte ${at} claims ${len} bytes, beyond the end of the file`;
        break;
      }
      const body = buf.subarray(at + 8, at + 8 + len);
      if (crc32(body, this.salt) !== dv.getUint32(at + 4, true)) {
        reason = `record at byte ${at} fails its checksum`;
        break;
      }
      const bdv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const lsn = bdv.getBigUint64(0, true);
      if (lsn <= last) {
        reason = `record at byte ${at} has LSN ${lsn} after ${last}`;
        break;
      }
      last = lsn;
      const kind = body[8]!;
      const txnId = bdv.getBigUint64(9, true);
      const gl = bdv.getUint16(17, true);
      if (19 + gl > len) {
        reason = `record at byte ${at} has a bad gid length`;
        break;
      }
      const gid = new TextDecoder().decode(body.subarray(19, 19 + gl));
      records.push({ lsn, kind, txnId, gid, body, opsAt: 19 + gl });
      at += 8 + len;
    }
    this.end = at;
    if (at < size) {
      this.guard('ftruncate', () => this.fh.truncate(at));
      this.guard('fdatasync', () => this.fh.datasync());
    }
    this.writtenLsn = this.syncedLsn = last > baseLsn ? last : baseLsn;
    return { records, discardedBytes: size - at, reason };
  }

  /** Empties the log after a checkpoint (a new salt, so old bytes can never verify again). */
  reset(baseLsn: bigint): void {
    this.salt = (Math.random() * 0xffffffff) >>> 0 || 1;
    const h = new Uint8Array(HEADER);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, VERSION, true);
    dv.setUint32(8, this.partitionId, true);
    dv.setUint32(12, this.salt, true);
    dv.setBigUint64(16, baseLsn, true);
    dv.setUint32(24, crc32(h.subarray(0, 24)), true);
    this.guard('ftruncate', () => this.fh.truncate(0));
    this.guard('write', () => this.fh.write(h, 0, HEADER, 0));
    this.guard('fdatasync', () => this.fh.datasync());
    this.end = HEADER;
    this.pending = [];
    this.pendingBytes = 0;
    this.writtenLsn = this.syncedLsn = baseLsn;
  }

  /** Buffers a record (nothing reaches the OS until {@link flush}). */
  append(lsn: bigint, kind: number, txnId: bigint, gid: string, ops: ByteWriter | null): void {
    const g = new TextEncoder().encode(gid);
    const bodyLen = 19 + g.length + (ops ? ops.len : 0);
    const rec = new Uint8Array(8 + bodyLen);
    const dv = new DataView(rec.buffer);
    dv.setUint32(0, bodyLen, true);
    dv.setBigUint64(8, lsn, true);
    rec[16] = kind;
    dv.setBigUint64(17, txnId, true);
    dv.setUint16(25, g.length, true);
    rec.set(g, 27);
    if (ops) rec.set(ops.buf.subarray(0, ops.len), 27 + g.length);
    dv.setUint32(4, crc32(rec.subarray(8), this.salt), true);
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    this.pendingLsn = lsn;
  }

  /** write(2)s everything buffered, in one call. */
  flush(): void {
    if (this.pending.length === 0) return;
    let buf: Uint8Array;
    if (this.pending.length === 1) buf = this.pending[0]!;
    else {
      buf = new Uint8Array(this.pendingBytes);
      let at = 0;
      for (const p of this.pending) {
        buf.set(p, at);
        at += p.length;
      }
    }
    const pos = this.end;
    this.guard('write', () => this.fh.write(buf, 0, buf.length, pos));
    this.end += buf.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.writtenLsn = this.pendingLsn;
    failpoint('wal.after-write');
  }

  /** flush + fdatasync. */
  sync(): void {
    this.flush();
    if (this.syncedLsn === this.writtenLsn) return;
    failpoint('wal.before-fsync');
    const target = this.writtenLsn;
    this.guard('fdatasync', () => this.fh.datasync());
    this.syncedLsn = target;
    failpoint('wal.after-fsync');
  }

  close(): void {
    this.fh.close();
  }
}
