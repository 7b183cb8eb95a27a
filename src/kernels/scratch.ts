/**
 * The kernels' scratch region: a bump allocator over the part of the buffer pool's memory that
 * pages never use. Selections, IN-list sets and hash arrays live here until {@link reset}
 * (between batches) or a {@link release} to an earlier {@link mark}.
 *
 *   scratch.byteOffset (rounded up to 64)
 *   ┌──────────────────┬───────────────────────────────────────────────┐
 *   │ results (256 B)  │ allocations, each 64-byte aligned  → top      │
 *   └──────────────────┴───────────────────────────────────────────────┘
 *
 * 64-byte alignment keeps every allocation on its own cache line and satisfies the 8-byte (sets)
 * and 4-byte (hashes) alignment the kernels need.
 */
import { HeliosError } from '../errors.js';

/** Bytes at the start of scratch for kernel results (sumF64 writes 128). */
const RESULT_BYTES = 256;
/** The smallest usable region: the results plus room for a few page-sized selections. */
const MIN_HEAP = 4096;

export class Scratch {
  /** Where kernels write their results (sum pieces, KBN lanes). */
  readonly resultAt: number;
  private readonly heapStart: number;
  private readonly heapEnd: number;
  private top: number;

  constructor(memory: WebAssembly.Memory, region: { readonly byteOffset: number; readonly byteLength: number }) {
    const start = Math.ceil(region.byteOffset / 64) * 64;
    const end = region.byteOffset + region.byteLength;
    if (!Number.isSafeInteger(region.byteOffset) || !Number.isSafeInteger(region.byteLength) || region.byteOffset < 0
      || end > memory.buffer.byteLength || end - start < RESULT_BYTES + MIN_HEAP) {
      throw new HeliosError('INTERNAL', `kernels: scratch region {byteOffset: ${region.byteOffset}, byteLength: ${region.byteLength}} must lie inside the memory (${memory.buffer.byteLength} bytes) and hold at least ${RESULT_BYTES + MIN_HEAP + 63} bytes`);
    }
    this.resultAt = start;
    this.heapStart = this.top = start + RESULT_BYTES;
    this.heapEnd = end;
  }

  /** `bytes` bytes (64-aligned); throws a clear error when the region is exhausted. */
  alloc(bytes: number, where: string): number {
    const at = this.top;
    const next = at + Math.ceil(Math.max(bytes, 1) / 64) * 64;
    if (next > this.heapEnd) {
      throw new HeliosError('INTERNAL', `kernels.${where}: scratch exhausted (${bytes} bytes wanted, ${this.heapEnd - at} free of ${this.heapEnd - this.heapStart}); call reset() between batches`);
    }
    this.top = next;
    return at;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.heapStart || mark > this.top) throw new HeliosError('INTERNAL', `kernels.release: bad mark ${mark}`);
    this.top = mark;
  }

  reset(): void {
    this.top = this.heapStart;
  }
}
