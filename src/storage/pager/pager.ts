/**
 * The pager: one data file per partition, page allocation, the free list, the spill file, and
 * the checkpoint's torn-page protection (a double-write file).
 *
 * The data file only ever changes at a checkpoint, and a checkpoint moves it atomically from one
 * consistent state to the next:
 *   1. every page image of the checkpoint (dirty B-tree pages, free-list trunks, catalog, header)
 *      is written to `p<N>.dw` with a trailer, and fdatasync'ed;
 *   2. the images are written in place in the data file, which is fdatasync'ed;
 *   3. the double-write file is emptied.
 * A crash during 2 leaves a torn data file but a complete double-write file, which recovery
 * applies again (idempotent). A crash during 1 leaves the data file untouched.
 *
 * Between checkpoints, a dirty page evicted from the buffer pool goes to `p<N>.spill`, a scratch
 * file that is discarded at open (the WAL, not the spill file, makes commits durable).
 */
import * as path from 'node:path';
import { HeliosError } from '../../errors.js';
import type { FileHandle, FileIO } from '../io/file-io.js';
import { guardIo, ioFail } from '../io/io-errors.js';
import { DoubleWrite } from './double-write.js';
import { FORMAT_VERSION, H, MAGIC, PageType, pageChecksumOk, sealPage } from './page-format.js';


export function corrupt(file: string, what: string): HeliosError {
  return new HeliosError('INTERNAL', `storage corruption in '${file}': ${what}`);
}

export interface HeaderState {
  checkpointLsn: bigint;
  nextTxnId: bigint;
  catalogPage: number;
  catalogBytes: number;
}

export class Pager {
  readonly file: string;
  readonly dwFile: string;
  readonly spillFile: string;
  private data!: FileHandle;
  private spill: FileHandle | null = null;
  private readonly spillSlots = new Map<number, number>();
  private spillFree: number[] = [];
  private spillEnd = 0;
  /** Pages in the file as of now (allocations since the checkpoint included). */
  pageCount = 1;
  /** Free pages, usable for allocation now. */
  private free: number[] = [];
  private freeSet = new Set<number>();
  header: HeaderState = { checkpointLsn: 0n, nextTxnId: 1n, catalogPage: 0, catalogBytes: 0 };
  readonly scratch: Uint8Array;

  constructor(private readonly io: FileIO, dir: string, readonly partitionId: number, readonly pageSize: number, stem = `p${partitionId}`) {
    this.file = path.join(dir, `${stem}.db`);
    this.dwFile = path.join(dir, `${stem}.dw`);
    this.spillFile = path.join(dir, `${stem}.spill`);
    this.scratch = new Uint8Array(pageSize);
    // A new data file appears atomically (written aside, fsynced, renamed), so a crash while
    // creating a partition never leaves a half-written header behind.
    if (!io.exists(this.file)) this.initFile();
    try {
      this.data = io.open(this.file, false);
    } catch (e) {
      throw ioFail(this.file, 'open', e);
    }
    this.recoverDoubleWrite();
    this.readHeader();
    this.loadFreeList();
    io.unlink(this.spillFile);
  }

  private initFile(): void {
    const p = new Uint8Array(this.pageSize);
    this.writeHeaderInto(p, 0);
    sealPage(p, 0);
    const tmp = `${this.file}.new`;
    const fh = this.guard(tmp, 'open', () => this.io.open(tmp, true));
    try {
      this.guard(tmp, 'ftruncate', () => fh.truncate(0));
      this.guard(tmp, 'write', () => fh.write(p, 0, p.length, 0));
      this.guard(tmp, 'fdatasync', () => fh.datasync());
    } finally {
      fh.close();
    }
    this.guard(this.file, 'rename', () => this.io.rename(tmp, this.file));
    this.guard(this.file, 'fsync dir', () => this.io.syncDir(path.dirname(this.file)));
  }

  private guard<T>(file: string, op: string, fn: () => T): T {
    return guardIo(file, op, fn);
  }

  private readHeader(): void {
    const p = this.scratch;
    const n = this.guard(this.file, 'read', () => this.data.read(p, 0, this.pageSize, 0));
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const magic = new TextDecoder().decode(p.subarray(H.MAGIC, H.MAGIC + 8));
    if (n < 64 || magic !== MAGIC) throw corrupt(this.file, 'not a HeliosDB data file (bad magic in page 0)');
    const version = dv.getUint32(H.VERSION, true);
    if (version > FORMAT_VERSION) {
      throw new HeliosError('INTERNAL', `'${this.file}' has format version ${version}, newer than this build supports (${FORMAT_VERSION}); upgrade HeliosDB-Lite to open it`);
    }
    const ps = dv.getUint32(H.PAGE_SIZE, true);
    if (ps !== this.pageSize) throw new HeliosError('INTERNAL', `'${this.file}' has page size ${ps}, but the buffer pool uses ${this.pageSize}`);
    if (n < this.pageSize || !pageChecksumOk(p, 0)) throw corrupt(this.file, 'page 0 (header) fails its checksum');
    const part = dv.getUint32(H.PARTITION, true);
    if (part !== this.partitionId) throw corrupt(this.file, `header says partition ${part}, expected ${this.partitionId}`);
    this.pageCount = dv.getUint32(H.PAGE_COUNT, true);
    this.header = {
      checkpointLsn: dv.getBigUint64(H.CKPT_LSN, true),
      nextTxnId: dv.getBigUint64(H.NEXT_TXN, true),
      catalogPage: dv.getUint32(H.CATALOG_PAGE, true),
      catalogBytes: dv.getUint32(H.CATALOG_BYTES, true),
    };
    this.trunkHead = dv.getUint32(H.FREE_TRUNK, true);
    const size = this.guard(this.file, 'fstat', () => this.data.size());
    if (size < this.pageCount * this.pageSize) {
      throw corrupt(this.file, `file is ${size} bytes but the header counts ${this.pageCount} pages of ${this.pageSize} (truncated?)`);
    }
  }
  private trunkHead = 0;

  private loadFreeList(): void {
    let t = this.trunkHead;
    const seen = new Set<number>();
    while (t !== 0) {
      if (seen.has(t) || t >= this.pageCount) throw corrupt(this.file, `free list trunk page ${t} is out of range or loops`);
      seen.add(t);
      const p = this.readRaw(t);
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      if (p[4] !== PageType.FREE_TRUNK) throw corrupt(this.file, `page ${t} should be a free-list trunk`);
      this.addFree(t);
      const next = dv.getUint32(8, true);
      const n = dv.getUint32(12, true);
      for (let i = 0; i < n; i++) this.addFree(dv.getUint32(16 + 4 * i, true));
      t = next;
    }
  }

  private addFree(pg: number): void {
    if (pg === 0 || pg >= this.pageCount || this.freeSet.has(pg)) throw corrupt(this.file, `free list holds bad or duplicate page ${pg}`);
    this.freeSet.add(pg);
    this.free.push(pg);
  }

  writeHeaderInto(p: Uint8Array, pageCount: number, trunk = 0): void {
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    p[4] = PageType.HEADER;
    p.set(new TextEncoder().encode(MAGIC), H.MAGIC);
    dv.setUint32(H.VERSION, FORMAT_VERSION, true);
    dv.setUint32(H.PAGE_SIZE, this.pageSize, true);
    dv.setUint32(H.PARTITION, this.partitionId, true);
    dv.setUint32(H.PAGE_COUNT, Math.max(1, pageCount), true);
    dv.setUint32(H.FREE_COUNT, this.free.length, true);
    dv.setBigUint64(H.CKPT_LSN, this.header.checkpointLsn, true);
    dv.setBigUint64(H.NEXT_TXN, this.header.nextTxnId, true);
    dv.setUint32(H.CATALOG_PAGE, this.header.catalogPage, true);
    dv.setUint32(H.CATALOG_BYTES, this.header.catalogBytes, true);
    dv.setUint32(H.FREE_TRUNK, trunk, true);
  }

  /** Reads a page from the data file, verifying its checksum. */
  readRaw(pageNo: number, dst: Uint8Array = new Uint8Array(this.pageSize)): Uint8Array {
    if (pageNo <= 0 || pageNo >= this.pageCount) throw corrupt(this.file, `page ${pageNo} is out of range (page count ${this.pageCount})`);
    const n = this.guard(this.file, `read of page ${pageNo}`, () => this.data.read(dst, 0, this.pageSize, pageNo * this.pageSize));
    if (n < this.pageSize) throw corrupt(this.file, `page ${pageNo} is beyond the end of the file`);
    if (!pageChecksumOk(dst, pageNo)) throw corrupt(this.file, `page ${pageNo} fails its checksum`);
    return dst;
  }

  /** Loads a page for the buffer pool: from the spill file when it was evicted dirty. */
  load(pageNo: number, dst: Uint8Array): void {
    const slot = this.spillSlots.get(pageNo);
    if (slot === undefined) {
      this.readRaw(pageNo, dst);
      return;
    }
    const n = this.guard(this.spillFile, 'read', () => this.spill!.read(dst, 0, this.pageSize, slot * this.pageSize));
    if (n < this.pageSize || !pageChecksumOk(dst, pageNo)) throw corrupt(this.spillFile, `spilled page ${pageNo} (slot ${slot}) fails its checksum`);
  }

  spillPage(pageNo: number, src: Uint8Array): void {
    if (!this.spill) this.spill = this.guard(this.spillFile, 'open', () => this.io.open(this.spillFile, true));
    let slot = this.spillSlots.get(pageNo);
    if (slot === undefined) {
      slot = this.spillFree.pop() ?? this.spillEnd++;
      this.spillSlots.set(pageNo, slot);
    }
    sealPage(src, pageNo);
    const s = slot;
    this.guard(this.spillFile, 'write', () => this.spill!.write(src, 0, this.pageSize, s * this.pageSize));
  }

  allocate(): number {
    const pg = this.free.pop();
    if (pg !== undefined) {
      this.freeSet.delete(pg);
      return pg;
    }
    return this.pageCount++;
  }

  release(pageNo: number): void {
    if (pageNo <= 0 || pageNo >= this.pageCount || this.freeSet.has(pageNo)) throw corrupt(this.file, `double free of page ${pageNo}`);
    this.freeSet.add(pageNo);
    this.free.push(pageNo);
    const slot = this.spillSlots.get(pageNo);
    if (slot !== undefined) {
      this.spillSlots.delete(pageNo);
      this.spillFree.push(slot);
    }
  }

  isFree(pageNo: number): boolean {
    return this.freeSet.has(pageNo);
  }
  freeCount(): number {
    return this.free.length;
  }
  spilledPages(): number[] {
    return [...this.spillSlots.keys()];
  }

  /**
   * Writes a checkpoint: `pages` yields [pageNo, image] for every changed B-tree page; the pager
   * adds the catalog chain, the free-list trunks and the header, then runs the double-write
   * protocol. The images' checksums are set here.
   */
  checkpoint(pages: Iterable<[number, Uint8Array]>, catalog: Uint8Array, lsn: bigint, nextTxnId: bigint): void {
    // The catalog goes to fresh pages: the old chain is freed first (atomicity comes from the DW).
    const extra: [number, Uint8Array][] = [];
    let pg = this.header.catalogPage;
    while (pg !== 0) {
      const p = this.readRaw(pg);
      const next = new DataView(p.buffer).getUint32(8, true);
      this.release(pg);
      pg = next;
    }
    const per = this.pageSize - 16;
    const nCat = Math.ceil(catalog.length / per);
    const catPages: number[] = [];
    for (let i = 0; i < nCat; i++) catPages.push(this.allocate());
    for (let i = 0; i < nCat; i++) {
      const p = new Uint8Array(this.pageSize);
      const dv = new DataView(p.buffer);
      p[4] = PageType.CATALOG;
      dv.setUint32(8, catPages[i + 1] ?? 0, true);
      const chunk = catalog.subarray(i * per, (i + 1) * per);
      dv.setUint32(12, chunk.length, true);
      p.set(chunk, 16);
      extra.push([catPages[i]!, p]);
    }
    this.header = { checkpointLsn: lsn, nextTxnId, catalogPage: catPages[0] ?? 0, catalogBytes: catalog.length };
    // Free pages at the end of the file are given back to the file system.
    while (this.pageCount > 1 && this.freeSet.has(this.pageCount - 1)) {
      this.freeSet.delete(this.pageCount - 1);
      this.pageCount--;
    }
    this.free = this.free.filter((p) => p < this.pageCount);
    // Free-list trunks are free pages themselves, listing the others.
    const perTrunk = Math.floor((this.pageSize - 16) / 4);
    const frees = [...this.free];
    let trunk = 0;
    while (frees.length > 0) {
      const t = frees.pop()!;
      const p = new Uint8Array(this.pageSize);
      const dv = new DataView(p.buffer);
      p[4] = PageType.FREE_TRUNK;
      dv.setUint32(8, trunk, true);
      const n = Math.min(perTrunk, frees.length);
      dv.setUint32(12, n, true);
      for (let i = 0; i < n; i++) dv.setUint32(16 + 4 * i, frees.pop()!, true);
      extra.push([t, p]);
      trunk = t;
    }
    const head = new Uint8Array(this.pageSize);
    this.writeHeaderInto(head, this.pageCount, trunk);
    extra.push([0, head]);
    this.doubleWrite(pages, extra);
    this.spillSlots.clear();
    this.spillFree = [];
    this.spillEnd = 0;
    if (this.spill) this.guard(this.spillFile, 'truncate', () => this.spill!.truncate(0));
  }

  private doubleWrite(pages: Iterable<[number, Uint8Array]>, extra: [number, Uint8Array][]): void {
    const freeSet = this.freeSet;
    function* images(): Generator<[number, Uint8Array]> {
      for (const pe of [pages, extra]) {
        for (const [n, img] of pe) {
          // pages freed since they were dirtied are not written (trunks are free pages, but are)
          if (n !== 0 && freeSet.has(n) && img[4] !== PageType.FREE_TRUNK) continue;
          yield [n, img];
        }
      }
    }
    new DoubleWrite(this.io, this.dwFile, this.file, this.data, this.pageSize, this.partitionId).write(images());
  }

  /** At open: a complete double-write file means a checkpoint may be half-applied; finish it. */
  private recoverDoubleWrite(): void {
    new DoubleWrite(this.io, this.dwFile, this.file, this.data, this.pageSize, this.partitionId).recover();
  }

  readCatalog(): Uint8Array {
    const out = new Uint8Array(this.header.catalogBytes);
    let pg = this.header.catalogPage;
    let at = 0;
    while (pg !== 0) {
      const p = this.readRaw(pg);
      if (p[4] !== PageType.CATALOG) throw corrupt(this.file, `page ${pg} should be a catalog page`);
      const dv = new DataView(p.buffer);
      const n = dv.getUint32(12, true);
      if (at + n > out.length) throw corrupt(this.file, `catalog chain longer than the header says at page ${pg}`);
      out.set(p.subarray(16, 16 + n), at);
      at += n;
      pg = dv.getUint32(8, true);
    }
    if (at !== out.length) throw corrupt(this.file, 'catalog chain shorter than the header says');
    return out;
  }

  /** Catalog page numbers (for the consistency check's page accounting). */
  catalogPages(): number[] {
    const out: number[] = [];
    let pg = this.header.catalogPage;
    while (pg !== 0) {
      out.push(pg);
      pg = new DataView(this.readRaw(pg).buffer).getUint32(8, true);
    }
    return out;
  }

  close(): void {
    this.data.close();
    if (this.spill) {
      this.spill.close();
      this.io.unlink(this.spillFile);
    }
    this.spill = null;
  }
}
