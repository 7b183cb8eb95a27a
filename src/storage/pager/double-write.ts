/**
 * The checkpoint's torn-page protection: a double-write file. Every page image of a checkpoint
 * goes to `p<N>.dw` first, with a header and a trailer, and is fdatasync'ed; only then are the
 * images written in place in the data file. At open, a complete (validating) double-write file is
 * applied again — idempotent — so a crash in the middle of the in-place writes never leaves a
 * torn page; an incomplete one means the data file was never touched and is ignored.
 *
 * ```
 * header (32 bytes): u32 'HLDW' · u32 page size · u32 count · u32 partition
 * record:            u32 page number · u32 sequence · page image (its own checksum inside)
 * trailer (16):      u32 'WEND' · u32 count
 * ```
 */
import { HeliosError } from '../../errors.js';
import type { FileHandle, FileIO } from '../io/file-io.js';
import { failpoint } from '../io/failpoint.js';
import { guardIo } from '../io/io-errors.js';
import { H, pageChecksumOk, sealPage } from './page-format.js';

const DW_MAGIC = 0x57444c48; // 'HLDW'
const DW_END = 0x444e4557; // 'WEND'

export class DoubleWrite {
  constructor(
    private readonly io: FileIO,
    private readonly dwFile: string,
    private readonly file: string,
    private readonly data: FileHandle,
    private readonly pageSize: number,
    private readonly partitionId: number,
  ) {}

  private guard<T>(file: string, op: string, fn: () => T): T {
    return guardIo(file, op, fn);
  }

  /** Runs the whole protocol for these images (their checksums are set here). */
  write(images: Iterable<[number, Uint8Array]>): void {
    const P = this.pageSize;
    const dw = this.guard(this.dwFile, 'open', () => this.io.open(this.dwFile, true));
    try {
      const rec = new Uint8Array(8 + P);
      const rdv = new DataView(rec.buffer);
      let count = 0;
      let pos = 32;
      for (const [pageNo, img] of images) {
        sealPage(img, pageNo);
        rdv.setUint32(0, pageNo, true);
        rdv.setUint32(4, count, true);
        rec.set(img, 8);
        const at = pos;
        this.guard(this.dwFile, 'write', () => dw.write(rec, 0, rec.length, at));
        pos += rec.length;
        count++;
      }
      const tail = new Uint8Array(16);
      const tdv = new DataView(tail.buffer);
      tdv.setUint32(0, DW_END, true);
      tdv.setUint32(4, count, true);
      this.guard(this.dwFile, 'write', () => dw.write(tail, 0, 16, pos));
      const head = new Uint8Array(32);
      const hdv = new DataView(head.buffer);
      hdv.setUint32(0, DW_MAGIC, true);
      hdv.setUint32(4, P, true);
      hdv.setUint32(8, count, true);
      hdv.setUint32(12, this.partitionId, true);
      this.guard(this.dwFile, 'write', () => dw.write(head, 0, 32, 0));
      this.guard(this.dwFile, 'truncate', () => dw.truncate(pos + 16));
      failpoint('checkpoint.after-dw-write');
      this.guard(this.dwFile, 'fdatasync', () => dw.datasync());
      failpoint('checkpoint.after-dw-sync');
      this.apply(dw, count);
      this.guard(this.dwFile, 'truncate', () => dw.truncate(0));
      this.guard(this.dwFile, 'fdatasync', () => dw.datasync());
    } finally {
      dw.close();
    }
  }

  /** At open: finishes a checkpoint whose double-write file is complete. */
  recover(): void {
    if (!this.io.exists(this.dwFile)) return;
    const dw = this.guard(this.dwFile, 'open', () => this.io.open(this.dwFile, false));
    try {
      const count = this.guard(this.dwFile, 'read', () => this.validate(dw));
      if (count >= 0) this.apply(dw, count);
      this.guard(this.dwFile, 'truncate', () => dw.truncate(0));
      this.guard(this.dwFile, 'fdatasync', () => dw.datasync());
    } finally {
      dw.close();
    }
  }

  /** The file's page count, or -1 when it is incomplete (torn) or foreign. */
  private validate(dw: FileHandle): number {
    const P = this.pageSize;
    const size = dw.size();
    if (size < 48) return -1;
    const head = new Uint8Array(32);
    dw.read(head, 0, 32, 0);
    const hdv = new DataView(head.buffer);
    if (hdv.getUint32(0, true) !== DW_MAGIC || hdv.getUint32(4, true) !== P || hdv.getUint32(12, true) !== this.partitionId) return -1;
    const count = hdv.getUint32(8, true);
    if (size !== 32 + count * (8 + P) + 16) return -1;
    const tail = new Uint8Array(16);
    dw.read(tail, 0, 16, size - 16);
    const tdv = new DataView(tail.buffer);
    if (tdv.getUint32(0, true) !== DW_END || tdv.getUint32(4, true) !== count) return -1;
    const rec = new Uint8Array(8 + P);
    const rdv = new DataView(rec.buffer);
    for (let i = 0; i < count; i++) {
      dw.read(rec, 0, rec.length, 32 + i * rec.length);
      if (rdv.getUint32(4, true) !== i || !pageChecksumOk(rec.subarray(8), rdv.getUint32(0, true))) return -1;
    }
    return count;
  }

  /** Writes the (validated or just written) images in place and syncs the data file. */
  private apply(dw: FileHandle, count: number): void {
    const P = this.pageSize;
    const rec = new Uint8Array(8 + P);
    const rdv = new DataView(rec.buffer);
    let pages = -1;
    for (let i = 0; i < count; i++) {
      this.guard(this.dwFile, 'read', () => dw.read(rec, 0, rec.length, 32 + i * rec.length));
      const pageNo = rdv.getUint32(0, true);
      if (pageNo === 0) pages = rdv.getUint32(8 + H.PAGE_COUNT, true);
      this.guard(this.file, `write of page ${pageNo}`, () => this.data.write(rec, 8, P, pageNo * P));
      if (i === count >> 1) failpoint('checkpoint.mid-data-write');
    }
    // The file is exactly the header's page count long (pages allocated and freed again between
    // checkpoints were never written; trailing free pages were trimmed).
    if (pages > 0) this.guard(this.file, 'ftruncate', () => this.data.truncate(pages * P));
    this.guard(this.file, 'fdatasync', () => this.data.datasync());
    failpoint('checkpoint.after-data-sync');
  }
}
