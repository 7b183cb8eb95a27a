/**
 * The file seam of the decision log: the few synchronous file operations it needs. Its shape is
 * a subset of storage's `FileIO`, so tests hand in storage's `MemoryFileIO` (which simulates
 * power loss: unsynced writes vanish or tear) while the server uses {@link NodeLogIO}. It is
 * restated here because the coordinator does not import the storage layer.
 */
import * as fs from 'node:fs';

export interface LogHandle {
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  write(buf: Uint8Array, offset: number, length: number, position: number): void;
  size(): number;
  truncate(length: number): void;
  /** fdatasync(2). */
  datasync(): void;
  close(): void;
}

export interface LogIO {
  open(file: string, create: boolean): LogHandle;
  exists(file: string): boolean;
  unlink(file: string): void;
  /** Atomic replace. */
  rename(from: string, to: string): void;
  mkdirp(dir: string): void;
  /** fsync of the directory, so a rename survives power loss. */
  syncDir(dir: string): void;
}

class NodeLogHandle implements LogHandle {
  constructor(private fd: number) {}
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
    while (done < length) done += fs.writeSync(this.fd, buf, offset + done, length - done, position + done);
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

/** The real file system (synchronous node:fs). */
export class NodeLogIO implements LogIO {
  open(file: string, create: boolean): LogHandle {
    return new NodeLogHandle(fs.openSync(file, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644));
  }
  exists(file: string): boolean {
    return fs.existsSync(file);
  }
  unlink(file: string): void {
    fs.rmSync(file, { force: true });
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  mkdirp(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }
  syncDir(dir: string): void {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
