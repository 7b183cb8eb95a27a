/**
 * One shard as the coordinator sees it: its worker thread, its rings, and the requests waiting
 * for its replies. Owns request ids, deadlines and failure: when the worker dies, every waiting
 * request fails at once with UNAVAILABLE; a request past its deadline fails with UNAVAILABLE
 * (DEADLINE_EXCEEDED for a caller's deadline), so no request can hang forever; a cancelled one
 * (an aborted signal) fails with CANCELLED at once. In both cases the shard is told to stop the
 * work through the cancel flags (src/shard/cancel-block.ts).
 */
import { IdTable } from './id-table.js';
import { Worker } from 'node:worker_threads';
import { HeliosError, cancelled, deadlineExceeded, unavailable, type ErrorData } from '../errors.js';
import { CoordinatorPort, createShardRings, readRingStats, type Frame, type RingStats, type ShardRings } from '../ring/index.js';
import { FrameKind, decodeJson, type ShardStatus } from '../shard/protocol.js';
import type { ShardWorkerData } from '../shard/worker-main.js';
import { CancelFlags, CancelReason, createCancelBlock } from '../shard/cancel-block.js';
import { ShardPages, type SharedPoolBlock } from '../shard/page-reads.js';

export interface ShardClientOptions {
  shard: number;
  partitions: number[];
  ringBytes: number;
  statsBlock: SharedArrayBuffer;
  storage: ShardStorageSettings;
  /** Called once when the worker exits, with whether the exit was asked for. */
  onExit: (client: ShardClient, code: number, error: Error | undefined, expected: boolean) => void;
}

/** What every shard needs to open its partitions (from the configuration). */
export type ShardStorageSettings = Pick<ShardWorkerData, 'dataDir' | 'walMode' | 'cacheBytes' | 'pageSize' | 'asyncSyncIntervalMs' | 'checkpointWalBytes' | 'logLevel' | 'simd'>;

export interface RequestOptions {
  timeoutMs?: number;
  /**
   * The timeout is the caller's own deadline (a gRPC deadline), not the default: on expiry the
   * request fails with DEADLINE_EXCEEDED instead of UNAVAILABLE. Either way the shard is told
   * to stop the work (cancel-block.ts).
   */
  callerDeadline?: boolean;
  /** Aborting it fails the request with CANCELLED at once and tells the shard to stop its work. */
  signal?: AbortSignal;
  txnId?: bigint;
  statementId?: number;
}

interface Pending {
  resolve: (payload: Uint8Array) => void;
  reject: (e: HeliosError) => void;
  deadline: number;
  callerDeadline: boolean;
  /** Detaches the abort listener. */
  done?: () => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const SWEEP_INTERVAL_MS = 100;
const WORKER_URL = new URL('../shard/worker-main.js', import.meta.url);

export class ShardClient {
  readonly shard: number;
  private worker: Worker | undefined;
  private port: CoordinatorPort | undefined;
  private rings: ShardRings | undefined;
  private readonly pending = new IdTable<Pending>();
  private nextId = 1;
  /** Shared with the worker (kept across restarts: request ids keep increasing). */
  private readonly cancelBlock = createCancelBlock();
  private readonly cancelFlags = new CancelFlags(this.cancelBlock);
  private sweeper: NodeJS.Timeout | undefined;
  private stopping = false;
  private readyResolve: ((s: ShardStatus) => void) | undefined;
  private readyReject: ((e: Error) => void) | undefined;
  /** Resolves when the shard reports Ready (its partitions are recovered). */
  ready: Promise<ShardStatus>;
  isReady = false;
  /** The status the shard reported when it became Ready. */
  readyStatus: ShardStatus | undefined;
  /**
   * A read-only view of this incarnation's buffer pool, for point reads from the coordinator's
   * thread (src/shard/page-reads.ts); undefined until the worker sends it and from the moment
   * the worker exits (its pages may hold work that was never made durable).
   */
  pages: ShardPages | undefined;

  constructor(private readonly opts: ShardClientOptions) {
    this.shard = opts.shard;
    this.ready = this.newReadyPromise();
  }

  private newReadyPromise(): Promise<ShardStatus> {
    const p = new Promise<ShardStatus>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    p.catch(() => undefined); // observed through `ready` by whoever awaits it
    return p;
  }

  start(): void {
    this.stopping = false;
    this.isReady = false;
    this.rings = createShardRings(this.opts.ringBytes);
    const data: ShardWorkerData = {
      shard: this.opts.shard,
      rings: this.rings,
      statsBlock: this.opts.statsBlock,
      partitions: this.opts.partitions,
      cancelBlock: this.cancelBlock,
      ...this.opts.storage,
    };
    const worker = new Worker(WORKER_URL, { workerData: data, name: `shard-${this.opts.shard}` });
    this.worker = worker;
    this.pages = undefined;
    worker.on('message', (m: { kind?: string; block?: SharedPoolBlock }) => {
      if (this.worker === worker && m.kind === 'pool' && m.block) this.pages = new ShardPages(m.block);
    });
    const port = new CoordinatorPort(this.rings);
    this.port = port;
    port.start((frames) => this.onFrames(frames));
    let exitError: Error | undefined;
    worker.on('error', (e) => {
      exitError = e;
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.pages = undefined; // before any lock is released below
      const expected = this.stopping;
      this.worker = undefined;
      this.isReady = false;
      port.close();
      const why = exitError ? `: ${exitError.message}` : ` with code ${code}`;
      this.failAll(unavailable(`shard ${this.shard} exited${why}`));
      this.readyReject?.(exitError ?? new Error(`shard ${this.shard} exited with code ${code} before it was ready`));
      this.ready = this.newReadyPromise();
      this.stopSweeper();
      this.opts.onExit(this, code, exitError, expected);
    });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Sends one request; resolves with the Ok payload, rejects with the shard's HeliosError. */
  request(kind: number, payload: Uint8Array, o: RequestOptions = {}): Promise<Uint8Array> {
    const port = this.port;
    if (!port || !this.worker) return Promise.reject(unavailable(`shard ${this.shard} is not running`));
    if (o.signal?.aborted) return Promise.reject(cancelled('the request was cancelled'));
    const requestId = this.nextId;
    // Ids stay below 2^31: the cancel block stores them in an Int32Array.
    this.nextId = this.nextId >= 0x7fff_fffe ? 1 : this.nextId + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      try {
        port.send({ requestId, kind, txnId: o.txnId ?? 0n, statementId: o.statementId ?? 0, flags: 0 }, payload);
      } catch (e) {
        reject(HeliosError.from(e));
        return;
      }
      const p: Pending = { resolve, reject, deadline: Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS), callerDeadline: o.callerDeadline === true };
      const signal = o.signal;
      if (signal) {
        const onAbort = (): void => {
          if (this.pending.get(requestId) !== p) return;
          this.pending.delete(requestId);
          this.cancelFlags.set(requestId, CancelReason.Cancelled);
          reject(cancelled('the request was cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        p.done = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(requestId, p);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  ringStats(): RingStats | undefined {
    return this.rings ? readRingStats(this.rings) : undefined;
  }

  /** Asks the shard to stop after its current batch; resolves when the thread has exited. */
  async stop(timeoutMs: number): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const exited = new Promise<void>((res) => worker.once('exit', () => res()));
    this.request(FrameKind.Shutdown, new Uint8Array(0), { timeoutMs }).catch(() => undefined);
    const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), timeoutMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') await worker.terminate();
    await exited;
  }

  private onFrames(frames: Frame[]): void {
    for (const f of frames) {
      const { kind, requestId } = f.header;
      if (kind === FrameKind.Ready) {
        this.isReady = true;
        this.readyStatus = decodeJson<ShardStatus>(f.payload);
        this.readyResolve?.(this.readyStatus);
        continue;
      }
      const p = this.pending.get(requestId);
      if (!p) continue; // timed out or cancelled earlier; the late reply is dropped
      this.pending.delete(requestId);
      p.done?.();
      if (kind === FrameKind.Error) p.reject(HeliosError.fromData(decodeJson<ErrorData>(f.payload)));
      else p.resolve(copyOut(f.payload));
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending.entries()) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        p.done?.();
        // The shard may still be working on it: tell it to stop (it rolls the statement back).
        this.cancelFlags.set(id, CancelReason.Deadline);
        p.reject(p.callerDeadline ? deadlineExceeded(`the request deadline passed while shard ${this.shard} was working on it`) : unavailable(`shard ${this.shard} did not answer in time`));
      }
    }
  }

  private failAll(e: HeliosError): void {
    const waiting = this.pending.entries().map(([, p]) => p);
    this.pending.clear();
    for (const p of waiting) {
      p.done?.();
      p.reject(e);
    }
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/**
 * A reply's bytes copied out of the ring, whose room is released when this batch is delivered.
 * Buffer.allocUnsafe carves replies under 4 KiB out of Node's shared 8 KiB pool: one view object
 * each, where `slice()` made an ArrayBuffer with its own malloc'd store and tracking object per
 * reply, which showed in the main thread's GC (docs/api.md, "The p99 tail"). Consumers read
 * replies through byteOffset/byteLength, as any Uint8Array must be read.
 */
function copyOut(payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(payload.byteLength);
  out.set(payload);
  return out;
}
