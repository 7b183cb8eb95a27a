/**
 * Transaction ids: `epoch · 2^40 + counter`. The epoch is the decision log's boot epoch, so ids
 * grow across restarts and never repeat (an in-doubt gid of an earlier life can never be
 * reused), and within a boot they grow with start time.
 * 2^40 ids per boot is 127 days at 100k transactions a second; the allocator refuses beyond.
 */
import { HeliosError } from '../../errors.js';

/** A transaction's global id. Ordered by start: a smaller id is an older transaction. */
export type TxnId = bigint & { readonly __brand: 'TxnId' };
export const txnId = (n: bigint | number): TxnId => BigInt(n) as TxnId;

const COUNTER_BITS = 40n;
const COUNTER_MAX = (1n << COUNTER_BITS) - 1n;

export class TxnIdAllocator {
  private counter = 0n;
  constructor(private readonly epoch: number) {
    if (!Number.isInteger(epoch) || epoch < 1 || epoch >= 1 << 22) throw new HeliosError('INTERNAL', `transaction ids: epoch ${epoch} out of range`);
  }

  next(): TxnId {
    if (this.counter === COUNTER_MAX) throw new HeliosError('UNAVAILABLE', 'transaction ids exhausted for this boot; restart the server');
    this.counter++;
    return txnId((BigInt(this.epoch) << COUNTER_BITS) | this.counter);
  }
}

/** The epoch an id was allocated in. */
export const epochOf = (txn: TxnId): number => Number(txn >> COUNTER_BITS);
