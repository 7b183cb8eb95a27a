/**
 * The shard worker's entry point: the thin shell around {@link ShardActor} that owns the
 * blocking parts — sleeping on the request ring, writing replies, notifying once per batch.
 *
 * The batch loop (design: "drain all, execute, group-commit once, reply, notify once"):
 *   1. `port.receive()` drains every complete frame, sleeping in Atomics.wait when there is none;
 *   2. each frame is handled in order by the actor;
 *   3. (storage) the WALs touched by the batch are made durable once — group commit;
 *   4. replies are written and the coordinator is notified once (`port.flush()`).
 * A Shutdown frame ends the loop after its batch; the thread then exits by returning.
 */
import { workerData } from 'node:worker_threads';
import { ShardPort, type ShardRings } from '../ring/index.js';
import { ShardActor } from './shard-actor.js';
import { FrameKind, encodeJson } from './protocol.js';
import { ShardStatsRow } from './stats-block.js';

export interface ShardWorkerData {
  shard: number;
  rings: ShardRings;
  statsBlock: SharedArrayBuffer;
  partitions: number[];
  dataDir: string;
  walMode: 'sync' | 'async';
}

const IDLE_WAIT_MS = 1000;

function run(data: ShardWorkerData): void {
  const port = new ShardPort(data.rings);
  const stats = new ShardStatsRow(data.statsBlock, data.shard);
  const actor = new ShardActor({ shard: data.shard, partitions: data.partitions, stats, now: () => Date.now() });

  // Announce readiness once the partitions are open (recovery done).
  port.send({ requestId: 0, kind: FrameKind.Ready, txnId: 0n, statementId: 0, flags: 0 }, encodeJson(actor.status()));
  port.flush();

  while (!actor.stopping) {
    const frames = port.receive(IDLE_WAIT_MS);
    if (frames.length === 0) continue;
    const t0 = performance.now();
    for (const frame of frames) {
      const reply = actor.handle(frame);
      port.send({ requestId: frame.header.requestId, kind: reply.kind, txnId: frame.header.txnId, statementId: frame.header.statementId, flags: 0 }, reply.payload);
    }
    stats.add('framesProcessed', frames.length);
    stats.add('batches', 1);
    stats.set('lastBatchSize', frames.length);
    stats.add('busyMs', performance.now() - t0);
    port.flush();
  }
  port.close();
}

run(workerData as ShardWorkerData);
