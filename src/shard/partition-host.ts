/**
 * The partitions a shard owns: one buffer pool (in WebAssembly memory, shared with the scan
 * kernels) and the paged storage of each partition, opened — and so recovered from its WAL —
 * when the shard starts. Group commit lives here: after each batch the shard calls
 * {@link PartitionHost.syncAll}, one WAL flush (and fdatasync in `sync` mode) per partition the
 * batch wrote, before any reply of that batch is sent.
 */
import { createKernels, type Kernels, type SimdAcceleration } from '../kernels/index.js';
import { createBufferPool, openPartition, shardPageSize, type BufferPool, type PagedPartition, type Partition } from '../storage/index.js';

export interface PartitionHostOptions {
  dataDir: string;
  partitions: readonly number[];
  walMode: 'sync' | 'async';
  cacheBytes: number;
  /** `[storage] page_size_kb` in bytes: the page size of a new database (an existing one keeps its own). */
  pageSize: number;
  asyncSyncIntervalMs: number;
  checkpointWalBytes: number;
  simd: SimdAcceleration;
  log: (event: string, fields: Record<string, unknown>) => void;
}

export class PartitionHost {
  readonly pool: BufferPool;
  /** The scan kernels over the pool's memory (the backend chosen from `simd_acceleration`). */
  readonly kernels: Kernels;
  private readonly byId = new Map<number, PagedPartition & Partition>();

  constructor(opts: PartitionHostOptions) {
    this.pool = createBufferPool({ bytes: opts.cacheBytes, pageSize: shardPageSize({ dir: opts.dataDir, partitions: opts.partitions, configured: opts.pageSize, log: opts.log }), shared: true });
    this.pool.writeBegin(); // recovery writes pages: no reader until the worker ends this
    this.kernels = createKernels({ memory: this.pool.memory, scratch: this.pool.scratch, backend: opts.simd, log: (message) => opts.log('kernels', { message }) });
    try {
      for (const id of opts.partitions) {
        this.byId.set(
          id,
          openPartition(
            id,
            {
              dir: opts.dataDir,
              walMode: opts.walMode,
              asyncSyncIntervalMs: opts.asyncSyncIntervalMs,
              checkpointWalBytes: opts.checkpointWalBytes,
              log: (event, fields) => opts.log(event, { partition: id, ...fields }),
            },
            this.pool,
          ),
        );
      }
    } catch (e) {
      this.closeAll();
      throw e;
    }
  }

  get(id: number): Partition | undefined {
    return this.byId.get(id);
  }

  /** Every partition this shard owns, by id. */
  all(): ReadonlyMap<number, Partition> {
    return this.byId;
  }

  /**
   * False once a partition failed (poisoned): its pages may hold writes its WAL never got, so the
   * worker leaves the pool's sequence odd and other threads read nothing more from it.
   */
  healthy(): boolean {
    for (const p of this.byId.values()) if (p.failed) return false;
    return true;
  }

  /** Group commit: makes every commit appended during the batch durable (per the WAL mode). */
  syncAll(): void {
    for (const p of this.byId.values()) p.sync();
  }

  /** Checkpoints and closes every partition (clean shutdown). */
  closeAll(): void {
    let first: unknown;
    for (const p of this.byId.values()) {
      try {
        p.close();
      } catch (e) {
        first ??= e;
      }
    }
    this.byId.clear();
    if (first) throw first;
  }
}
