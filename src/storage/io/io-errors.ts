/**
 * How a failed file operation becomes an error: an OS error (ENOSPC, EIO, …) is wrapped as an
 * INTERNAL {@link HeliosError} that names the file and the operation; a HeliosError passes through.
 */
import { HeliosError } from '../../errors.js';

export function ioFail(file: string, op: string, e: unknown): HeliosError {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  return new HeliosError('INTERNAL', `storage I/O error: ${op} on '${file}' failed: ${code || msg}`);
}

/** Runs one file operation; a raw OS error becomes {@link ioFail}'s INTERNAL error naming the file and operation. */
export function guardIo<T>(file: string, op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HeliosError) throw e;
    throw ioFail(file, op, e);
  }
}
