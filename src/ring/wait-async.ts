/**
 * A typed handle on `Atomics.waitAsync` (ES2024; present in Node 20, but TypeScript's ES2022
 * lib does not declare it). Resolved once at load so a runtime without it fails loudly at
 * start-up, not on the first full ring.
 */
import { HeliosError } from '../errors.js';

export type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

type WaitAsyncFn = (ia: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;

const impl = (Atomics as unknown as { waitAsync?: WaitAsyncFn }).waitAsync;

/** `Atomics.waitAsync(ia, index, value)`: never blocks; resolves on notify (or timeout). */
export function waitAsync(ia: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult {
  if (impl === undefined) {
    throw new HeliosError('INTERNAL', 'Atomics.waitAsync is missing: the ring needs Node.js 20 or later');
  }
  return impl(ia, index, value, timeoutMs);
}
