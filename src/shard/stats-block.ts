/**
 * The shard stats block: a Float64Array over a SharedArrayBuffer that a shard writes and the
 * coordinator reads at scrape time, so metrics never cost a ring round trip. One slot row per
 * shard; the shard is the only writer of its row (plain stores are enough: a scrape may read a
 * value one batch old, never a torn one, since each slot is one aligned 8-byte store).
 *
 *   row = shard id:  [ framesProcessed | batches | lastBatchSize | startedAtMs | busyMs | restarts
 *                      | cursorsOpen (query cursors open now) | cursorChunks (cursor chunks served) ]
 */
export const STATS_SLOTS = {
  framesProcessed: 0,
  batches: 1,
  lastBatchSize: 2,
  startedAtMs: 3,
  busyMs: 4,
  restarts: 5,
  cursorsOpen: 6,
  cursorChunks: 7,
} as const;
const ROW = 8;

export function createStatsBlock(shards: number): SharedArrayBuffer {
  return new SharedArrayBuffer(shards * ROW * Float64Array.BYTES_PER_ELEMENT);
}

export class ShardStatsRow {
  private readonly view: Float64Array;
  constructor(block: SharedArrayBuffer, shard: number) {
    this.view = new Float64Array(block, shard * ROW * 8, ROW);
  }
  get(slot: keyof typeof STATS_SLOTS): number {
    return this.view[STATS_SLOTS[slot]]!;
  }
  set(slot: keyof typeof STATS_SLOTS, v: number): void {
    this.view[STATS_SLOTS[slot]] = v;
  }
  add(slot: keyof typeof STATS_SLOTS, v: number): void {
    this.view[STATS_SLOTS[slot]]! += v;
  }
}
