/**
 * Storage: each partition's data, durable and crash-safe. Owns the pager (one data file per
 * partition, checksummed pages), the buffer pool in a `WebAssembly.Memory` (shared with the scan
 * kernels), B+tree tables with PAX leaves and B+tree indexes over order-preserving byte keys, the
 * WAL (group commit, sync/async), checkpoints with a double-write file, recovery and VACUUM.
 *
 * May import: `src/errors.ts` only (a leaf layer). Used by: sql (through `api.ts` only), shard.
 *
 * Read next: `api.ts` (the interface), `partition/partition.ts` (life of a commit, checkpoints),
 * `btree/pax-leaf.ts` (page layout), `wal/wal.ts` (record layout), `pager/pager.ts` (checkpoint
 * protocol), and docs/storage.md for the guided tour.
 */
import type { Partition } from './api.js';
import { BufferPool } from './buffer/buffer-pool.js';
import { PagedPartition, type PagedStorageOptions } from './partition/partition.js';
import { NodeFileIO, type FileIO } from './io/file-io.js';
import { storedPageSize } from './pager/stored-page-size.js';

export * from './api.js';
export { BufferPool, ReadOnlyPool, NeedsOwner, SCRATCH_BYTES } from './buffer/buffer-pool.js';
export type { PageOwner, SharedPoolBlock } from './buffer/buffer-pool.js';
export { ViewTable, type TableLocation } from './btree/view-table.js';
export { PagedPartition } from './partition/partition.js';
export type { PagedStorageOptions, RecoveryReport } from './partition/partition.js';
export { type FileIO, type FileHandle, NodeFileIO } from './io/file-io.js';
export { MemoryFileIO } from './io/memory-file-io.js';
export { lockDataDir, type DirLock } from './io/dir-lock.js';
export { FaultFileIO, type FaultRule } from './io/fault-file-io.js';
export { FAILPOINTS, armFailpoint, disarmFailpoints, type FailpointName } from './io/failpoint.js';

/**
 * A shard's buffer pool: `bytes` of page frames (e.g. `cache_size_mb` / shards) plus a kernel
 * scratch region of at least 256 KiB at the start of `.memory` that pages never use. `shared`:
 * in shared memory, so other threads can read pages through {@link BufferPool.attach}.
 */
export function createBufferPool(opts: { bytes: number; pageSize?: number; shared?: boolean }): BufferPool {
  return new BufferPool(opts);
}

/**
 * The page size for a shard's buffer pool: the one its partitions' data files were created with
 * (one pool frame size serves them all), or `configured` (`[storage] page_size_kb`) for a new
 * database. An existing database keeps its page size whatever the setting says; `log` hears when
 * the two differ, so an operator knows the setting did not apply.
 */
export function shardPageSize(opts: {
  dir: string;
  partitions: readonly number[];
  configured: number;
  io?: FileIO;
  log?: (event: string, fields: Record<string, unknown>) => void;
}): number {
  const stored = storedPageSize(opts.io ?? new NodeFileIO(), opts.dir, opts.partitions);
  if (stored === undefined) return opts.configured;
  if (stored !== opts.configured) {
    opts.log?.('page size kept', { stored, configured: opts.configured, note: 'the database keeps the page size it was created with; [storage] page_size_kb applies to new databases' });
  }
  return stored;
}

/** A shard's share of `[database] cache_size_mb` (the pool adds its kernel scratch on top). */
export function shardPoolBytes(cacheSizeMb: number, shards: number): number {
  return Math.floor((cacheSizeMb * 1024 * 1024) / Math.max(1, shards));
}

/** Opens (creating if needed) and recovers partition `id` in `opts.dir`. Synchronous. */
export function openPartition(id: number, opts: PagedStorageOptions, pool: BufferPool): PagedPartition & Partition {
  return new PagedPartition(id, opts, pool);
}
