/**
 * The buffer pool: page frames inside one `WebAssembly.Memory`, shared by every partition a
 * shard owns, so the WASM scan kernels read PAX column arrays in place (no copy).
 *
 * ```
 *  memory: [ scratch (kernel bitmaps, ≥256 KiB) | frame 0 | frame 1 | … | frame n-1 ]
 *           ^0                                   ^scratch end, page-aligned
 * ```
 * Eviction is CLOCK (second chance). A frame is pinned while an operation or a cursor uses it;
 * pinned frames are never evicted. A dirty victim goes back to its owner
 * ({@link PageOwner.spillPage}), which decides where (the engine spills to a side file so the data
 * file only ever changes at a checkpoint). The memory never grows, so typed-array views and frame
 * offsets stay valid for the pool's life.
 *
 * A pool made with `shared: true` keeps its memory, page table and a sequence counter in shared
 * memory ({@link SharedPoolBlock}), so another thread can read pages without asking the owner:
 * {@link BufferPool.attach} gives that thread a read-only view. The owner brackets every stretch
 * of work that may change pages or the table with {@link writeBegin}/{@link writeEnd} (the counter
 * is odd meanwhile); a reader notes the counter before it reads ({@link ReadOnlyPool.readBegin},
 * -1 while odd) and keeps what it read only if the counter is unchanged after
 * ({@link ReadOnlyPool.readValid}) — a sequence lock. What a reader sees between the two may be
 * torn, so reads through a view are bounded (descent depth, chain lengths, {@link readLimit}) and
 * any exception just means "ask the owner".
 */
import { HeliosError, invariant } from '../../errors.js';
import { validPageSize } from '../pager/stored-page-size.js';
import { PageTable } from './page-table.js';

export interface PageOwner {
  /** Fills `dst` (a frame) with page `pageNo`; throws a HeliosError naming file and page. */
  loadPage(pageNo: number, dst: Uint8Array): void;
  /** Takes a dirty page being evicted. */
  spillPage(pageNo: number, src: Uint8Array): void;
}

export const SCRATCH_BYTES = 256 * 1024;
/** Frame key of a freed page whose frame is still pinned. */
const ORPHAN = -2;
const MIN_FRAMES = 32;
const WASM_PAGE = 65536;

export interface BufferPoolOptions {
  /** Bytes for page frames (the kernel scratch comes on top). */
  readonly bytes: number;
  readonly pageSize?: number;
  /** Memory, page table and sequence counter in shared memory, for {@link BufferPool.attach}. */
  readonly shared?: boolean;
}

/** What another thread needs to read a shared pool's pages (sent with postMessage). */
export interface SharedPoolBlock {
  readonly memory: WebAssembly.Memory;
  readonly table: SharedArrayBuffer;
  readonly seq: SharedArrayBuffer;
  readonly pageSize: number;
  readonly frameCount: number;
}

/**
 * A read through a {@link ReadOnlyPool} must be left to the pool's owner: it met a page that is
 * not in memory, or a value larger than the view's {@link BufferPool.readLimit}.
 */
export class NeedsOwner extends Error {
  constructor(why: string) {
    super(why);
  }
}

export class BufferPool {
  readonly memory: WebAssembly.Memory;
  readonly scratch: { readonly byteOffset: number; readonly byteLength: number };
  readonly pageSize: number;
  readonly frameCount: number;
  /** Views over the whole memory (valid for the pool's life: the memory never grows). */
  readonly bytes: Uint8Array;
  /** The same memory as a node Buffer, for encoding UTF-8 straight into pages. */
  readonly buf: Buffer;
  readonly dv: DataView;
  readonly i64: BigInt64Array;
  readonly f64: Float64Array;
  /** Largest overflow value a read may assemble (a reader's bound; the owner's is unlimited). */
  readonly readLimit: number = Infinity;
  protected readonly base: number;
  protected readonly table: PageTable;
  protected readonly seq: Int32Array;
  private readonly keys: Float64Array;
  private readonly pins: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly refbit: Uint8Array;
  private readonly owners: (PageOwner | null)[] = [];
  private hand = 0;
  private freeFrames: number[] = [];
  hits = 0;
  misses = 0;
  /** Freed pages whose frames were still pinned (see {@link discard}). */
  orphaned = 0;

  constructor(opts: BufferPoolOptions, attachTo?: SharedPoolBlock) {
    const pageSize = attachTo?.pageSize ?? opts.pageSize ?? 8192;
    if (!validPageSize(pageSize)) {
      throw new HeliosError('INTERNAL', `buffer pool: page size ${pageSize} must be a power of two in 1024..65536`);
    }
    this.pageSize = pageSize;
    this.frameCount = attachTo?.frameCount ?? Math.max(MIN_FRAMES, Math.floor(opts.bytes / pageSize));
    this.base = Math.ceil(SCRATCH_BYTES / pageSize) * pageSize;
    const total = this.base + this.frameCount * pageSize;
    if (total > 65536 * 65535) {
      throw new HeliosError('INTERNAL', `buffer pool: ${total} bytes exceed a WebAssembly memory's 4 GiB; lower cache_size_mb or add shards`);
    }
    const pages = Math.ceil(total / WASM_PAGE);
    const shared = attachTo !== undefined || opts.shared === true;
    this.memory = attachTo?.memory ?? (shared ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }) : new WebAssembly.Memory({ initial: pages }));
    const tableBuf = attachTo?.table ?? (shared ? new SharedArrayBuffer(PageTable.bytesFor(this.frameCount)) : new ArrayBuffer(PageTable.bytesFor(this.frameCount)));
    this.table = new PageTable(tableBuf, this.frameCount, attachTo === undefined);
    this.seq = new Int32Array(attachTo?.seq ?? (shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4)));
    this.scratch = { byteOffset: 0, byteLength: this.base };
    const buf = this.memory.buffer as ArrayBuffer;
    this.bytes = new Uint8Array(buf);
    this.buf = Buffer.from(buf);
    this.dv = new DataView(buf);
    this.i64 = new BigInt64Array(buf);
    this.f64 = new Float64Array(buf);
    // Frame bookkeeping is the owner's alone: a view (ReadOnlyPool) never pins, dirties or evicts,
    // so it keeps none (14 bytes a frame: ~450 KB per shard for a 256 MB pool of 8 KiB pages).
    const owned = attachTo === undefined ? this.frameCount : 0;
    this.keys = new Float64Array(owned).fill(-1);
    this.pins = new Int32Array(owned);
    this.dirty = new Uint8Array(owned);
    this.refbit = new Uint8Array(owned);
    if (attachTo === undefined) for (let f = this.frameCount - 1; f >= 0; f--) this.freeFrames.push(f);
  }

  /** A read-only view of a shared pool for another thread (see the file comment). */
  static attach(block: SharedPoolBlock): ReadOnlyPool {
    return new ReadOnlyPool(block);
  }

  /** The shared parts, for {@link attach} on another thread; undefined for a private pool. */
  sharedBlock(): SharedPoolBlock | undefined {
    if (!(this.table.buf instanceof SharedArrayBuffer)) return undefined;
    return { memory: this.memory, table: this.table.buf, seq: this.seq.buffer as SharedArrayBuffer, pageSize: this.pageSize, frameCount: this.frameCount };
  }

  /** Pages or the page table may change until {@link writeEnd}: readers on other threads back off. */
  writeBegin(): void {
    if ((Atomics.load(this.seq, 0) & 1) === 0) Atomics.add(this.seq, 0, 1);
  }

  /** Pages are consistent again: readers may read. */
  writeEnd(): void {
    if ((Atomics.load(this.seq, 0) & 1) !== 0) Atomics.add(this.seq, 0, 1);
  }

  registerOwner(owner: PageOwner): number {
    const id = this.owners.indexOf(null);
    if (id >= 0) {
      this.owners[id] = owner;
      return id;
    }
    this.owners.push(owner);
    return this.owners.length - 1;
  }

  /** Drops every frame of the owner without writing anything back. */
  unregisterOwner(owner: number): void {
    for (let f = 0; f < this.frameCount; f++) {
      if (this.keys[f]! >= 0 && ownerOf(this.keys[f]!) === owner) this.dropFrame(f);
    }
    this.owners[owner] = null;
  }

  offset(frame: number): number {
    return this.base + frame * this.pageSize;
  }

  frameBytes(frame: number): Uint8Array {
    const o = this.offset(frame);
    return this.bytes.subarray(o, o + this.pageSize);
  }

  /** Pins and returns the frame holding the page, loading it on a miss. */
  fetch(owner: number, pageNo: number): number {
    const key = frameKey(owner, pageNo);
    const hit = this.table.get(owner, pageNo);
    if (hit >= 0) {
      this.hits++;
      this.pins[hit]!++;
      this.refbit[hit] = 1;
      return hit;
    }
    this.misses++;
    const f = this.victim();
    try {
      this.owners[owner]!.loadPage(pageNo, this.frameBytes(f));
    } catch (e) {
      this.freeFrames.push(f);
      throw e;
    }
    this.install(f, key);
    return f;
  }

  /** Pins a zeroed frame for a page that is new (or whose old content is irrelevant); dirty. */
  create(owner: number, pageNo: number): number {
    const key = frameKey(owner, pageNo);
    let f = this.table.get(owner, pageNo);
    if (f < 0) {
      f = this.victim();
      this.install(f, key);
    } else {
      this.pins[f]!++;
    }
    this.frameBytes(f).fill(0);
    this.dirty[f] = 1;
    return f;
  }

  unpin(frame: number): void {
    invariant(this.pins[frame]! > 0, 'unpin of an unpinned frame');
    if (--this.pins[frame]! === 0 && this.keys[frame] === ORPHAN) {
      this.keys[frame] = -1;
      this.freeFrames.push(frame);
    }
  }

  markDirty(frame: number): void {
    this.dirty[frame] = 1;
  }

  isResident(owner: number, pageNo: number): boolean {
    return this.table.get(owner, pageNo) >= 0;
  }

  /**
   * The page was freed: forget it (no write-back). A frame still pinned (a cursor's current leaf
   * that a merge just freed) becomes an orphan: unreachable by page number, its bytes untouched
   * until the last unpin returns it to the free frames. The cursor re-seeks before using it again.
   */
  discard(owner: number, pageNo: number): void {
    const f = this.table.get(owner, pageNo);
    if (f < 0) return;
    if (this.pins[f]! > 0) {
      this.orphaned++;
      this.table.delete(owner, pageNo);
      this.keys[f] = ORPHAN;
      this.dirty[f] = 0;
      return;
    }
    this.dropFrame(f);
  }

  /** The owner's dirty frames as [pageNo, frame]; used by the checkpoint. */
  dirtyFrames(owner: number): [number, number][] {
    const out: [number, number][] = [];
    for (let f = 0; f < this.frameCount; f++) {
      const k = this.keys[f]!;
      if (k >= 0 && this.dirty[f] && ownerOf(k) === owner) out.push([pageOf(k), f]);
    }
    return out;
  }

  clearDirty(frame: number): void {
    this.dirty[frame] = 0;
  }

  pinnedCount(owner: number): number {
    let n = 0;
    for (let f = 0; f < this.frameCount; f++) {
      const k = this.keys[f]!;
      if (k >= 0 && this.pins[f]! > 0 && ownerOf(k) === owner) n++;
    }
    return n;
  }

  private install(f: number, key: number): void {
    this.keys[f] = key;
    this.table.set(ownerOf(key), pageOf(key), f);
    this.pins[f] = 1;
    this.refbit[f] = 1;
    this.dirty[f] = 0;
  }

  private dropFrame(f: number): void {
    const key = this.keys[f]!;
    this.table.delete(ownerOf(key), pageOf(key));
    this.keys[f] = -1;
    this.dirty[f] = 0;
    this.pins[f] = 0;
    this.freeFrames.push(f);
  }

  /** A frame to reuse: a free one, else CLOCK over unpinned frames (dirty ones are spilled). */
  private victim(): number {
    const free = this.freeFrames.pop();
    if (free !== undefined) return free;
    for (let sweep = 0; sweep < this.frameCount * 3; sweep++) {
      const f = this.hand;
      this.hand = (this.hand + 1) % this.frameCount;
      if (this.pins[f]! > 0) continue;
      if (this.refbit[f]) {
        this.refbit[f] = 0;
        continue;
      }
      const key = this.keys[f]!;
      if (this.dirty[f]) {
        const owner = this.owners[ownerOf(key)]!;
        owner.spillPage(pageOf(key), this.frameBytes(f));
      }
      this.table.delete(ownerOf(key), pageOf(key));
      this.keys[f] = -1;
      this.dirty[f] = 0;
      return f;
    }
    throw new HeliosError('INTERNAL', `buffer pool exhausted: all ${this.frameCount} frames are pinned (a cursor left open?)`);
  }
}

/** A resident frame's key in `keys`: owner and page number in one double (-1: a free frame). */
const frameKey = (owner: number, pageNo: number): number => owner * 2 ** 32 + pageNo;
const ownerOf = (key: number): number => Math.floor(key / 2 ** 32);
const pageOf = (key: number): number => key % 2 ** 32;

/**
 * Another thread's view of a shared pool: page lookups only. A page that is not resident throws
 * {@link NeedsOwner} (the reader asks the owner instead of loading it); nothing is pinned,
 * written or evicted. Validate every read with {@link readBegin}/{@link readValid}.
 */
export class ReadOnlyPool extends BufferPool {
  override readonly readLimit = 1 << 20;

  constructor(block: SharedPoolBlock) {
    super({ bytes: 0 }, block);
  }

  /** The sequence to validate against, or -1 while the owner is writing. */
  readBegin(): number {
    const s = Atomics.load(this.seq, 0);
    return (s & 1) === 0 ? s : -1;
  }

  /**
   * True when the owner wrote nothing since {@link readBegin} returned `s`. A read-modify-write,
   * not a load: it is a full barrier, so the reads before it cannot be ordered after it.
   */
  readValid(s: number): boolean {
    return Atomics.compareExchange(this.seq, 0, s, s) === s;
  }

  override fetch(owner: number, pageNo: number): number {
    const f = this.table.get(owner, pageNo);
    if (f < 0 || f >= this.frameCount) throw new NeedsOwner('page not resident');
    return f;
  }

  override unpin(): void {}

  override create(): number {
    throw new HeliosError('INTERNAL', 'a read-only pool view cannot create pages');
  }

  override markDirty(): void {
    throw new HeliosError('INTERNAL', 'a read-only pool view cannot write pages');
  }

  override discard(): void {
    throw new HeliosError('INTERNAL', 'a read-only pool view cannot free pages');
  }
}
