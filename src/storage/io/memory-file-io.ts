/**
 * An in-memory {@link FileIO} that models what power loss does to a disk: each file has the bytes
 * the OS holds (what reads see) and the bytes that reached stable storage (what survives
 * {@link MemoryFileIO.powerLoss}). `datasync` moves the former into the latter.
 *
 * On power loss, each write issued since the last `datasync` of its file independently either
 * reached the disk or did not, decided by a seeded RNG, and a write that reached it may be torn at
 * a 512-byte sector boundary. That is harsher than most real disks, which is the point.
 * Directory operations (create, rename, unlink) are treated as immediately durable.
 */
import { type FileHandle, type FileIO, ioError } from './file-io.js';

interface PendingWrite {
  readonly position: number;
  readonly bytes: Uint8Array;
}

interface MemFile {
  data: Uint8Array;
  size: number;
  durable: Uint8Array;
  durableSize: number;
  pending: PendingWrite[];
  pendingTruncate: number | null;
}

function ensure(buf: Uint8Array, size: number): Uint8Array {
  if (buf.length >= size) return buf;
  const next = new Uint8Array(Math.max(size, buf.length * 2, 4096));
  next.set(buf);
  return next;
}

class MemHandle implements FileHandle {
  private closed = false;
  constructor(readonly path: string, private readonly file: MemFile) {}
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    this.live('read');
    const n = Math.max(0, Math.min(length, this.file.size - position));
    buf.set(this.file.data.subarray(position, position + n), offset);
    return n;
  }
  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.live('write');
    const f = this.file;
    f.data = ensure(f.data, position + length);
    if (position > f.size) f.data.fill(0, f.size, position);
    f.data.set(buf.subarray(offset, offset + length), position);
    f.size = Math.max(f.size, position + length);
    f.pending.push({ position, bytes: new Uint8Array(buf.subarray(offset, offset + length)) });
  }
  size(): number {
    this.live('fstat');
    return this.file.size;
  }
  truncate(length: number): void {
    this.live('ftruncate');
    const f = this.file;
    f.data = ensure(f.data, length);
    if (length > f.size) f.data.fill(0, f.size, length);
    f.size = length;
    f.pendingTruncate = length;
    f.pending = f.pending.filter((w) => w.position < length);
  }
  datasync(): void {
    this.live('fdatasync');
    const f = this.file;
    f.durable = f.data.slice(0, f.size);
    f.durableSize = f.size;
    f.pending = [];
    f.pendingTruncate = null;
  }
  close(): void {
    this.closed = true;
  }
  private live(op: string): void {
    if (this.closed) throw ioError('EBADF', op, this.path);
  }
}

export class MemoryFileIO implements FileIO {
  private readonly files = new Map<string, MemFile>();

  open(file: string, create: boolean): FileHandle {
    let f = this.files.get(file);
    if (!f) {
      if (!create) throw ioError('ENOENT', 'open', file);
      f = { data: new Uint8Array(0), size: 0, durable: new Uint8Array(0), durableSize: 0, pending: [], pendingTruncate: null };
      this.files.set(file, f);
    }
    return new MemHandle(file, f);
  }
  exists(file: string): boolean {
    return this.files.has(file);
  }
  unlink(file: string): void {
    this.files.delete(file);
  }
  rename(from: string, to: string): void {
    const f = this.files.get(from);
    if (!f) throw ioError('ENOENT', 'rename', from);
    this.files.delete(from);
    this.files.set(to, f);
  }
  mkdirp(): void {}
  syncDir(): void {}

  /** Raw access for tests that garble files. */
  bytes(file: string): Uint8Array | undefined {
    const f = this.files.get(file);
    return f ? f.data.subarray(0, f.size) : undefined;
  }
  setBytes(file: string, bytes: Uint8Array): void {
    const f = this.files.get(file);
    const copy = bytes.slice();
    if (f) {
      f.data = copy;
      f.size = copy.length;
      f.durable = copy.slice();
      f.durableSize = copy.length;
      f.pending = [];
    } else {
      this.files.set(file, { data: copy, size: copy.length, durable: copy.slice(), durableSize: copy.length, pending: [], pendingTruncate: null });
    }
  }

  /**
   * Simulates a power cut: every file reverts to its durable bytes plus a random subset of its
   * unsynced writes (each possibly torn at a sector boundary). Open handles must not be used after.
   */
  powerLoss(rand: () => number): void {
    for (const f of this.files.values()) {
      let data: Uint8Array = f.durable.slice();
      let size = f.durableSize;
      if (f.pendingTruncate !== null && rand() < 0.5) size = Math.min(size, f.pendingTruncate);
      for (const w of f.pending) {
        if (rand() < 0.5) continue;
        let len = w.bytes.length;
        if (len > 512 && rand() < 0.3) len = 512 * Math.floor(rand() * Math.ceil(len / 512));
        if (len === 0) continue;
        data = ensure(data, w.position + len);
        if (w.position > size) data.fill(0, size, w.position);
        data.set(w.bytes.subarray(0, len), w.position);
        size = Math.max(size, w.position + len);
      }
      f.data = data;
      f.size = size;
      f.durable = data.slice(0, size);
      f.durableSize = size;
      f.pending = [];
      f.pendingTruncate = null;
    }
  }
}
