/**
 * The file-system seam of the storage engine. Everything the pager, the WAL and the checkpoint
 * do to disk goes through a {@link FileIO}, so tests can swap the real file system for an
 * in-memory one that simulates power loss ({@link MemoryFileIO}) or one that injects faults
 * ({@link FaultFileIO}: EIO, ENOSPC, failing fsync).
 *
 * All calls are synchronous: a shard is its own thread and owns its files outright.
 * Errors thrown here are raw (errno-style objects with a `code`); the pager and WAL wrap them in a
 * HeliosError that names the file and the operation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An open file handle. Positions are absolute byte offsets (pread/pwrite style). */
export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the count read. */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all `length` bytes (loops over short writes); throws on error. */
  write(buf: Uint8Array, offset: number, length: number, position: number): void;
  size(): number;
  truncate(length: number): void;
  /** fdatasync(2): the data (and the size) survive power loss once this returns. */
  datasync(): void;
  close(): void;
}

export interface FileIO {
  /** Opens read-write, creating the file when `create` is set. */
  open(file: string, create: boolean): FileHandle;
  exists(file: string): boolean;
  unlink(file: string): void;
  /** Atomic replace (rename(2)). */
  rename(from: string, to: string): void;
  mkdirp(dir: string): void;
  /** fsync of a directory, so a created, renamed or removed entry survives power loss. */
  syncDir(dir: string): void;
}

class NodeFileHandle implements FileHandle {
  constructor(readonly path: string, private fd: number) {}
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      done += fs.writeSync(this.fd, buf, offset + done, length - done, position + done);
    }
  }
  size(): number {
    return fs.fstatSync(this.fd).size;
  }
  truncate(length: number): void {
    fs.ftruncateSync(this.fd, length);
  }
  datasync(): void {
    fs.fdatasyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** The real file system (node:fs, synchronous). */
export class NodeFileIO implements FileIO {
  open(file: string, create: boolean): FileHandle {
    const fd = fs.openSync(file, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644);
    return new NodeFileHandle(file, fd);
  }
  exists(file: string): boolean {
    return fs.existsSync(file);
  }
  unlink(file: string): void {
    try {
      fs.unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  mkdirp(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }
  syncDir(dir: string): void {
    const fd = fs.openSync(path.resolve(dir), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Builds an errno-style error like node:fs throws, for the fake file systems. */
export function ioError(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall} '${file}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = file;
  return e;
}
