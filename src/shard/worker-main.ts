/**
 * The shard worker's entry point: the thin shell around {@link ShardActor} that owns the
 * blocking parts — opening (recovering) the partitions, sleeping on the request ring, group
 * commit, writing replies and notifying once per batch.
 *
 * The batch loop (design: "drain all, execute, group-commit once, reply, notify once"):
 *   1. `port.receive()` drains every complete frame, sleeping in Atomics.wait when there is none;
 *   2. each frame is handled in order by the actor; replies are held back;
 *   3. the WALs the batch wrote are made durable once — group commit — so no reply can
 *      acknowledge a commit before it is durable (in `sync` mode: fdatasync'ed);
 *   4. replies are written and the coordinator is notified once (`port.flush()`).
 * A Shutdown frame ends the loop after its batch; the partitions are checkpointed and closed and
 * the thread exits by returning.
 *
 * The buffer pool is shared with the coordinator, which answers point reads from its pages
 * (page-reads.ts). Everything that may change pages — a batch, the event-loop turn where timers
 * run — sits between `pool.writeBegin()` and `pool.writeEnd()`, so the coordinator's reads know to
 * back off; the bracket closes only after group commit and only while every partition is healthy.
 * The pool's shared parts go to the coordinator with postMessage before Ready.
 *
 * IMPORTANT: Atomics.wait blocks this thread's event loop, so timers (the async-mode WAL
 * fdatasync) only run when the loop yields; it yields at least every `asyncSyncIntervalMs`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SimdAcceleration } from '../kernels/index.js';
import { createLogger } from '../log.js';
import { ShardPort, type ShardRings } from '../ring/index.js';
import { PartitionHost } from './partition-host.js';
import { ShardActor, type ShardReply } from './shard-actor.js';
import { FrameKind, encodeJson } from './protocol.js';
import { decodeWire, type FragmentOp } from './fragment-protocol.js';
import { PartitionEngines } from './partition-engines.js';
import { ShardStatsRow } from './stats-block.js';
import { CancelFlags } from './cancel-block.js';
import { QueryCursors } from './query-cursors.js';

export interface ShardWorkerData {
  shard: number;
  rings: ShardRings;
  statsBlock: SharedArrayBuffer;
  partitions: number[];
  dataDir: string;
  walMode: 'sync' | 'async';
  cacheBytes: number;
  pageSize: number;
  asyncSyncIntervalMs: number;
  checkpointWalBytes: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  simd: SimdAcceleration;
  /** The coordinator's cancel flags for this shard's requests (cancel-block.ts). */
  cancelBlock: SharedArrayBuffer;
}

const IDLE_WAIT_MS = 1000;

/**
 * Test-only fault hook: `HELIOS_FAULT=shard:before-commit:<n>` ends this shard's thread (as a
 * crash would, nothing closed) when the n-th 2PC COMMIT reaches it, before it runs. The process
 * lives on; the supervisor restarts the shard and the coordinator settles its in-doubt work.
 */
function shardFault(spec: string | undefined): (frame: { header: { kind: number }; payload: Uint8Array }) => void {
  const m = spec ? /^shard:before-commit:(\d+)$/.exec(spec) : null;
  if (!m) return () => undefined;
  let seen = 0;
  return (frame) => {
    if (frame.header.kind !== FrameKind.Fragment || decodeWire<FragmentOp>(frame.payload).op !== 'commit') return;
    if (++seen === Number(m[1])) process.exit(1);
  };
}

async function run(data: ShardWorkerData): Promise<void> {
  const log = createLogger(data.logLevel).child({ component: 'shard', shard: data.shard });
  const port = new ShardPort(data.rings);
  const stats = new ShardStatsRow(data.statsBlock, data.shard);
  const host = new PartitionHost({
    dataDir: data.dataDir,
    partitions: data.partitions,
    walMode: data.walMode,
    cacheBytes: data.cacheBytes,
    pageSize: data.pageSize,
    asyncSyncIntervalMs: data.asyncSyncIntervalMs,
    checkpointWalBytes: data.checkpointWalBytes,
    simd: data.simd,
    log: (event, fields) => log.info(fields, event),
  });
  log.info({ backend: host.kernels.backend }, 'scan kernels ready');
  // The request being handled: the engines' interrupt hook checks its cancel flag.
  let current = 0;
  const actor = new ShardActor({
    shard: data.shard,
    partitions: data.partitions,
    stats,
    now: () => Date.now(),
    kernels: host.kernels.backend,
    fragments: new PartitionEngines(host.all(), { kernels: host.kernels, interrupt: new CancelFlags(data.cancelBlock).interrupt(() => current) }, new QueryCursors(stats)),
  });

  const pool = host.pool;
  parentPort?.postMessage({ kind: 'pool', block: pool.sharedBlock() });
  if (host.healthy()) pool.writeEnd(); // recovered: readers may read (a fenced partition is refused by `locate`)
  port.send({ requestId: 0, kind: FrameKind.Ready, txnId: 0n, statementId: 0, flags: 0 }, encodeJson(actor.status()));
  port.flush();

  const fault = shardFault(process.env['HELIOS_FAULT']);
  const waitMs = data.walMode === 'async' ? Math.max(1, data.asyncSyncIntervalMs) : IDLE_WAIT_MS;
  let lastYield = performance.now();
  const replies: ShardReply[] = [];
  try {
    while (!actor.stopping) {
      const frames = port.receive(waitMs);
      if (frames.length > 0) {
        const t0 = performance.now();
        pool.writeBegin();
        replies.length = 0;
        for (const frame of frames) {
          fault(frame);
          current = frame.header.requestId;
          replies.push(actor.handle(frame));
          current = 0;
        }
        host.syncAll(); // group commit before any acknowledgement leaves the shard
        if (host.healthy()) pool.writeEnd(); // a throw above leaves it odd: the thread is ending
        for (let i = 0; i < frames.length; i++) {
          const h = frames[i]!.header;
          const reply = replies[i]!;
          port.send({ requestId: h.requestId, kind: reply.kind, txnId: h.txnId, statementId: h.statementId, flags: 0 }, reply.payload);
        }
        port.flush();
        stats.add('framesProcessed', frames.length);
        stats.add('batches', 1);
        stats.set('lastBatchSize', frames.length);
        stats.add('busyMs', performance.now() - t0);
      }
      if (performance.now() - lastYield >= waitMs) {
        pool.writeBegin();
        await yieldToEventLoop(); // lets the async-mode fdatasync timer run
        if (host.healthy()) pool.writeEnd();
        lastYield = performance.now();
      }
    }
  } finally {
    host.closeAll();
    port.close();
  }
}

await run(workerData as ShardWorkerData);
