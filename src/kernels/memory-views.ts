/**
 * Typed-array views over a WebAssembly.Memory that survive `memory.grow()`: growing a
 * non-shared memory detaches its ArrayBuffer (and a shared one's buffer object is replaced), so
 * every access goes through {@link MemoryViews.refresh}, which rebuilds the views only when the
 * buffer object changed — one identity check per kernel call.
 */
export class MemoryViews {
  private buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  u8!: Uint8Array;
  i32!: Int32Array;
  i64!: BigInt64Array;
  u64!: BigUint64Array;
  f64!: Float64Array;
  dv!: DataView;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.refresh();
  }

  refresh(): this {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.u8 = new Uint8Array(b);
      this.i32 = new Int32Array(b, 0, b.byteLength >>> 2);
      this.i64 = new BigInt64Array(b, 0, b.byteLength >>> 3);
      this.u64 = new BigUint64Array(b, 0, b.byteLength >>> 3);
      this.f64 = new Float64Array(b, 0, b.byteLength >>> 3);
      this.dv = new DataView(b);
    }
    return this;
  }

  /**
   * The views, re-read from `memory.buffer` only when they are detached (a non-shared memory
   * grew) or shorter than `bytes` (a shared one grew and the caller needs the new part).
   * `memory.buffer` is a C++ getter (~60–110 ns per access measured on node 20), which at one
   * page batch per ~116 rows was a sizeable part of a scan; a typed array's length is not.
   */
  cover(bytes: number): this {
    if (this.buffer === null || this.u8.byteLength === 0 || this.u8.byteLength < bytes) return this.refresh();
    return this;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
