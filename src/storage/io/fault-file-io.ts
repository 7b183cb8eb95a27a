/**
 * A {@link FileIO} wrapper that injects I/O faults, for tests of the engine's error paths:
 * EIO on a read, write or fdatasync, and ENOSPC once a byte quota of writes is used up (a full
 * disk). Rules match a file by substring and fire on the n-th matching call (then every call after,
 * unless `once`).
 */
import { type FileHandle, type FileIO, ioError } from './file-io.js';

export type FaultOp = 'read' | 'write' | 'datasync' | 'truncate' | 'open';

export interface FaultRule {
  readonly op: FaultOp;
  /** Substring of the file path the rule applies to ('' = every file). */
  readonly file: string;
  /** Fire on the n-th matching call (1-based); default 1. */
  readonly nth?: number;
  readonly code: 'EIO' | 'ENOSPC';
  /** Fire only once, then disarm. */
  readonly once?: boolean;
}

export class FaultFileIO implements FileIO {
  private rules: { rule: FaultRule; seen: number; spent: boolean }[] = [];
  /** Bytes that may still be written before ENOSPC (Infinity = no limit). */
  spaceLeft = Infinity;
  /** Count of faults fired, for tests to assert that the fault actually happened. */
  fired = 0;

  constructor(private readonly inner: FileIO) {}

  inject(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, spent: false });
  }
  clear(): void {
    this.rules = [];
    this.spaceLeft = Infinity;
  }

  /** @internal Throws when a rule fires for this call. */
  check(op: FaultOp, file: string): void {
    for (const r of this.rules) {
      if (r.spent || r.rule.op !== op || !file.includes(r.rule.file)) continue;
      r.seen++;
      if (r.seen >= (r.rule.nth ?? 1)) {
        if (r.rule.once) r.spent = true;
        this.fired++;
        throw ioError(r.rule.code, op, file);
      }
    }
  }

  open(file: string, create: boolean): FileHandle {
    this.check('open', file);
    return new FaultHandle(this, this.inner.open(file, create));
  }
  exists(file: string): boolean {
    return this.inner.exists(file);
  }
  unlink(file: string): void {
    this.inner.unlink(file);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }
  mkdirp(dir: string): void {
    this.inner.mkdirp(dir);
  }
  syncDir(dir: string): void {
    this.inner.syncDir(dir);
  }
}

class FaultHandle implements FileHandle {
  constructor(private readonly io: FaultFileIO, private readonly inner: FileHandle) {}
  get path(): string {
    return this.inner.path;
  }
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    this.io.check('read', this.path);
    return this.inner.read(buf, offset, length, position);
  }
  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.io.check('write', this.path);
    const grow = Math.max(0, position + length - this.inner.size());
    if (grow > this.io.spaceLeft) {
      // A full disk writes what fits, then fails: the caller must cope with a short write.
      const partial = Math.min(length, Math.max(0, this.inner.size() - position) + this.io.spaceLeft);
      if (partial > 0) this.inner.write(buf, offset, partial, position);
      this.io.spaceLeft = 0;
      this.io.fired++;
      throw ioError('ENOSPC', 'write', this.path);
    }
    this.io.spaceLeft -= grow;
    this.inner.write(buf, offset, length, position);
  }
  size(): number {
    return this.inner.size();
  }
  truncate(length: number): void {
    this.io.check('truncate', this.path);
    this.inner.truncate(length);
  }
  datasync(): void {
    this.io.check('datasync', this.path);
    this.inner.datasync();
  }
  close(): void {
    this.inner.close();
  }
}
