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
 */
import { HeliosError, invariant } from '../../errors.js';
import { validPageSize } from '../pager/stored-page-size.js';

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
  private readonly base: number;
  private readonly keys: Float64Array;
  private readonly pins: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly refbit: Uint8Array;
  private readonly map = new Map<number, number>();
  private readonly owners: (PageOwner | null)[] = [];
  private hand = 0;
  private freeFrames: number[] = [];
  hits = 0;
  misses = 0;
  /** Freed pages whose frames were still pinned (see {@link discard}). */
  orphaned = 0;

  constructor(opts: BufferPoolOptions) {
    const pageSize = opts.pageSize ?? 8192;
    if (!validPageSize(pageSize)) {
      throw new HeliosError('INTERNAL', `buffer pool: page size ${pageSize} must be a power of two in 1024..65536`);
    }
    this.pageSize = pageSize;
    this.frameCount = Math.max(MIN_FRAMES, Math.floor(opts.bytes / pageSize));
    this.base = Math.ceil(SCRATCH_BYTES / pageSize) * pageSize;
    const total = this.base + this.frameCount * pageSize;
    if (total > 65536 * 65535) {
      throw new HeliosError('INTERNAL', `buffer pool: ${total} bytes exceed a WebAssembly memory's 4 GiB; lower cache_size_mb or add shards`);
    }
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(total / WASM_PAGE) });
    this.scratch = { byteOffset: 0, byteLength: this.base };
    const buf = this.memory.buffer as ArrayBuffer;
    this.bytes = new Uint8Array(buf);
    this.buf = Buffer.from(buf);
    this.dv = new DataView(buf);
    this.i64 = new BigInt64Array(buf);
    this.f64 = new Float64Array(buf);
    this.keys = new Float64Array(this.frameCount).fill(-1);
    this.pins = new Int32Array(this.frameCount);
    this.dirty = new Uint8Array(this.frameCount);
    this.refbit = new Uint8Array(this.frameCount);
    for (let f = this.frameCount - 1; f >= 0; f--) this.freeFrames.push(f);
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
      if (this.keys[f]! >= 0 && Math.floor(this.keys[f]! / 2 ** 32) === owner) this.dropFrame(f);
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
    const key = owner * 2 ** 32 + pageNo;
    const hit = this.map.get(key);
    if (hit !== undefined) {
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
    const key = owner * 2 ** 32 + pageNo;
    let f = this.map.get(key);
    if (f === undefined) {
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
    return this.map.has(owner * 2 ** 32 + pageNo);
  }

  /**
   * The page was freed: forget it (no write-back). A frame still pinned (a cursor's current leaf
   * that a merge just freed) becomes an orphan: unreachable by page number, its bytes untouched
   * until the last unpin returns it to the free frames. The cursor re-seeks before using it again.
   */
  discard(owner: number, pageNo: number): void {
    const key = owner * 2 ** 32 + pageNo;
    const f = this.map.get(key);
    if (f === undefined) return;
    if (this.pins[f]! > 0) {
      this.orphaned++;
      this.map.delete(key);
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
      if (k >= 0 && this.dirty[f] && Math.floor(k / 2 ** 32) === owner) out.push([k % 2 ** 32, f]);
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
      if (k >= 0 && this.pins[f]! > 0 && Math.floor(k / 2 ** 32) === owner) n++;
    }
    return n;
  }

  private install(f: number, key: number): void {
    this.keys[f] = key;
    this.map.set(key, f);
    this.pins[f] = 1;
    this.refbit[f] = 1;
    this.dirty[f] = 0;
  }

  private dropFrame(f: number): void {
    this.map.delete(this.keys[f]!);
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
        const owner = this.owners[Math.floor(key / 2 ** 32)]!;
        owner.spillPage(key % 2 ** 32, this.frameBytes(f));
      }
      this.map.delete(key);
      this.keys[f] = -1;
      this.dirty[f] = 0;
      return f;
    }
    throw new HeliosError('INTERNAL', `buffer pool exhausted: all ${this.frameCount} frames are pinned (a cursor left open?)`);
  }
}
