/**
 * The two-phase-commit messages between the coordinator and the shards' participants, as plain
 * data (they cross the rings as JSON; bigints as decimal strings — see {@link encodeTxnMessage}).
 *
 * Participants are partitions, not shards: data belongs to partitions and `worker_threads` may
 * change between restarts, so a decision logged for "partition 5" still finds partition 5 after a
 * restart whichever shard serves it. The coordinator routes each message to the shard owning
 * `partition`; one shard's {@link Participant} serves all of its partitions.
 *
 * The coordinator imports this file (like `src/shard/protocol.ts`); it imports nothing upward.
 */

/** A transaction's global id. Ordered by start: a smaller id is an older transaction (wait-die). */
export type TxnId = bigint & { readonly __brand: 'TxnId' };
export const txnId = (n: bigint | number): TxnId => BigInt(n) as TxnId;

/** The gid under which a participant PREPAREs in its storage WAL. */
export const gidOf = (txn: TxnId): string => `tx${txn}`;
export function txnOfGid(gid: string): TxnId | null {
  return /^tx\d+$/.test(gid) ? txnId(BigInt(gid.slice(2))) : null;
}

/** Coordinator → participant. */
export type ToParticipant =
  | { readonly kind: 'prepare'; readonly txn: TxnId; readonly partition: number }
  | { readonly kind: 'commit'; readonly txn: TxnId; readonly partition: number }
  | { readonly kind: 'abort'; readonly txn: TxnId; readonly partition: number };

/**
 * `read-only`: the participant wrote nothing on that partition, has already released the
 * partition's locks and needs no second phase (the classic read-only optimisation).
 */
export type Vote = 'yes' | 'no' | 'read-only';

/** Participant → coordinator. */
export type ToCoordinator =
  | { readonly kind: 'vote'; readonly txn: TxnId; readonly partition: number; readonly vote: Vote }
  /** Sent after the COMMIT/ABORT is durable on that partition (after the batch's group commit). */
  | { readonly kind: 'ack'; readonly txn: TxnId; readonly partition: number }
  /** An in-doubt (PREPAREd) transaction found at recovery asks for its outcome. */
  | { readonly kind: 'inquire'; readonly txn: TxnId; readonly partition: number };

export type TxnMessage = ToParticipant | ToCoordinator;

/** JSON encoding for the ring payload (txn ids as decimal strings). */
export function encodeTxnMessage(m: TxnMessage): string {
  return JSON.stringify({ ...m, txn: String(m.txn) });
}

export function decodeTxnMessage(s: string): TxnMessage {
  const o = JSON.parse(s) as { kind: string; txn: string; partition: number; vote?: Vote };
  return { ...o, txn: txnId(BigInt(o.txn)) } as TxnMessage;
}

/** One-line form for logs and golden transcripts; `txnName` may shorten ids. */
export function formatMessage(m: TxnMessage, txnName: (t: TxnId) => string = (t) => `tx${t}`): string {
  return `${m.kind}(${txnName(m.txn)}, p${m.partition}${'vote' in m ? `, ${m.vote}` : ''})`;
}
