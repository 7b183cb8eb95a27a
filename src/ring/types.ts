/**
 * The ring's public data types: what a frame is, what a shard's ring pair is, and the stats a
 * scrape reads. Kept apart from the classes so `index.ts` can re-export them without cycles.
 */

/**
 * The routing part of a frame, encoded as a FlatBuffers table (proto/ring/frame-header.fbs).
 * `kind` and `flags` belong to the shard protocol; the ring only checks their ranges.
 */
export interface FrameHeader {
  /** u32: the coordinator's id for the request, echoed on every response frame. */
  requestId: number;
  /** u16: message kind (shard protocol). */
  kind: number;
  /** u64: transaction id, 0n outside a transaction. */
  txnId: bigint;
  /** u32: statement id (the coordinator's plan cache key or a batch index). */
  statementId: number;
  /** u16: protocol flags (shard protocol). */
  flags: number;
}

/**
 * One received (or sent) frame.
 *
 * IMPORTANT: a received `payload` is usually a view into the ring's SharedArrayBuffer, not a
 * copy. On the shard it is valid until the next {@link ShardPort.receive}; on the coordinator
 * until the `onFrames` callback returns. Copy (`payload.slice()`) what must live longer.
 * Payloads of chunked frames are fresh arrays and may be kept.
 */
export interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
}

/**
 * A shard's two rings: `request` (coordinator → shard) and `response` (shard → coordinator).
 * Each SharedArrayBuffer holds its ring's control block (positions, doorbells, closed flags,
 * counters) and its data area, so the pair is all a worker needs: pass it in `workerData`.
 */
export interface ShardRings {
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
}

/** A snapshot of one shard's rings, read from the SharedArrayBuffers (any thread, no locks). */
export interface RingStats {
  /** Bytes written to the request ring and not yet released by the shard. */
  requestDepthBytes: number;
  /** Bytes written to the response ring and not yet released by the coordinator. */
  responseDepthBytes: number;
  /** Frames the coordinator has published to the shard since the rings were created. */
  framesToShard: number;
  /** Frames the shard has published to the coordinator since the rings were created. */
  framesFromShard: number;
  /** Frames waiting in the coordinator's bounded queue because the request ring was full. */
  queuedSends: number;
}
