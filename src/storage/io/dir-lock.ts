/**
 * One process owns a data directory. Two processes (or two `Database.open` calls in one process)
 * writing the same partitions and WALs would corrupt them, so the owner holds `<dir>/LOCK`,
 * created exclusively (O_EXCL) and holding its pid.
 *
 * A LOCK left behind by a killed process is stale: its pid no longer runs, or it is our own pid
 * (a container restarts its server as pid 1 again) while this process holds no lock on the
 * directory. A stale LOCK is taken over. What this cannot tell: a dead owner's pid reused by an
 * unrelated live process reads as "in use"; the error says which file to remove then.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { HeliosError } from '../../errors.js';

/** Directories locked by this process (resolved paths): a second open in-process is refused too. */
const heldHere = new Set<string>();

export interface DirLock {
  readonly file: string;
  /** Removes the LOCK (idempotent). */
  release(): void;
}

export function lockDataDir(dir: string): DirLock {
  const resolved = path.resolve(dir);
  const file = path.join(resolved, 'LOCK');
  if (heldHere.has(resolved)) {
    throw new HeliosError('UNAVAILABLE', `data directory '${resolved}' is already open in this process (close the other Database first)`);
  }
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(file, e);
      const owner = readOwner(file);
      if (owner !== null && owner !== process.pid && isRunning(owner)) {
        throw new HeliosError(
          'UNAVAILABLE',
          `data directory '${resolved}' is in use by process ${owner} (${file}); stop it first, or remove the file if no HeliosDB process uses the directory`,
        );
      }
      removeStale(file);
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    heldHere.add(resolved);
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        heldHere.delete(resolved);
        if (readOwner(file) === process.pid) removeStale(file);
      },
    };
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // vanished or unreadable: treated as stale
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

function removeStale(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw lockError(file, e);
  }
}

function lockError(file: string, e: unknown): HeliosError {
  const code = (e as NodeJS.ErrnoException)?.code ?? String(e);
  return new HeliosError('UNAVAILABLE', `cannot take the data directory lock '${file}': ${code}`);
}
