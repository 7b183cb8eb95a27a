/**
 * Cancel flags: how the coordinator stops work already running on a shard. One block per shard,
 * an Int32Array over a SharedArrayBuffer, written by the coordinator (the only writer) and read
 * by the shard's engines at batch boundaries (EngineOptions.interrupt) — the shard's thread is
 * busy in the statement, so no ring frame could reach it; shared memory does.
 *
 *   slot = requestId mod CANCEL_SLOTS:   [ 2·slot: request id | 2·slot+1: reason (1 cancel, 2 deadline) ]
 *
 * The slot holds the full request id, so a flag only ever matches the request it was set for
 * (ids wrap at 2^32; a stale flag for id − k·CANCEL_SLOTS never matches). The reason is stored
 * before the id: a reader that sees the id sees its reason. 4096 slots: more requests than that
 * in flight on one shard at once would let a newer flag overwrite an older one — the older
 * request then runs to completion, as it would have without this mechanism.
 */
import { HeliosError } from '../errors.js';

export const CANCEL_SLOTS = 4096;

export const CancelReason = { Cancelled: 1, Deadline: 2 } as const;
export type CancelReasonValue = (typeof CancelReason)[keyof typeof CancelReason];

export function createCancelBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(CANCEL_SLOTS * 2 * Int32Array.BYTES_PER_ELEMENT);
}

export class CancelFlags {
  private readonly view: Int32Array;

  constructor(block: SharedArrayBuffer) {
    this.view = new Int32Array(block);
  }

  /** Coordinator side: asks the shard to stop request `id`. */
  set(id: number, reason: CancelReasonValue): void {
    const slot = (id % CANCEL_SLOTS) * 2;
    Atomics.store(this.view, slot + 1, reason);
    Atomics.store(this.view, slot, id | 0);
  }

  /** Shard side: the reason request `id` must stop, or 0. */
  reason(id: number): number {
    const slot = (id % CANCEL_SLOTS) * 2;
    return Atomics.load(this.view, slot) === (id | 0) ? Atomics.load(this.view, slot + 1) : 0;
  }

  /**
   * Shard side: the engines' interrupt hook for the request being handled (`current()`; 0 =
   * none): throws CANCELLED or DEADLINE_EXCEEDED once the coordinator has flagged it.
   */
  interrupt(current: () => number): () => void {
    return () => {
      const id = current();
      if (id === 0) return;
      const r = this.reason(id);
      if (r === CancelReason.Cancelled) throw new HeliosError('CANCELLED', 'the request was cancelled; the statement was stopped and left no effect');
      if (r === CancelReason.Deadline) throw new HeliosError('DEADLINE_EXCEEDED', 'the request deadline passed; the statement was stopped and left no effect');
    };
  }
}
