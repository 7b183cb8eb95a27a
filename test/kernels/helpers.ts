/**
 * Shared pieces of the kernel tests: a seeded generator, columns with edge values written into a
 * WebAssembly.Memory the way storage lays them out, and the list of loadable backends.
 */
import type { Backend } from '../../src/kernels/backend.js';
import { loadNativeBackend } from '../../src/kernels/native-backend.js';
import { ScalarBackend } from '../../src/kernels/scalar-backend.js';
import { loadWasmBackend } from '../../src/kernels/wasm-backend.js';

/** The seed from HELIOS_SEED, or a fresh one; tests print it so a failure can be replayed. */
export function testSeed(): number {
  const env = process.env['HELIOS_SEED'];
  return env !== undefined ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** mulberry32: small, fast, good enough to pick test cases. */
export class Rng {
  constructor(private state: number) {}
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  i64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }
}

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

export const I64_EDGES: readonly bigint[] = [
  I64_MIN, I64_MIN + 1n, I64_MAX, I64_MAX - 1n, 0n, 1n, -1n, 2n, 3n, -3n,
  2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 52n, 2n ** 62n, -(2n ** 62n), 4611686018427387905n,
];

export const F64_EDGES: readonly number[] = [
  0, -0, 1, -1, 2.5, -2.5, 3, Infinity, -Infinity, NaN, Number.MAX_VALUE, -Number.MAX_VALUE,
  Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, 2 ** 63, -(2 ** 63), 0.1, 1e308, -1e308, 9007199254740993,
  2 ** 51, -(2 ** 51), 2 ** 51 - 1, -(2 ** 51) + 1, 2 ** 51 - 0.5, 2 ** 62, -(2 ** 62) - 2048,
  2 ** 63 - 1024, -(2 ** 63) - 2048, 2 ** 52 + 1, -(2 ** 52) - 0.5,
];

/** A random i64: an edge value, a small number (so that equal values and IN hits occur), or any. */
export function randomI64(r: Rng): bigint {
  const k = r.int(10);
  if (k < 3) return r.pick(I64_EDGES);
  if (k < 7) return BigInt(r.int(21) - 10);
  return r.i64();
}

export function randomF64(r: Rng): number {
  const k = r.int(10);
  if (k < 3) return r.pick(F64_EDGES);
  if (k < 6) return (r.int(21) - 10) / 2;
  if (k < 8) return (r.u32() / 2 ** 32 - 0.5) * 2 ** (r.int(120) - 60);
  // Any bit pattern, NaN payloads included.
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, r.u32());
  dv.setUint32(4, r.u32());
  return dv.getFloat64(0);
}

export interface TestColumn {
  kind: 'i64' | 'f64';
  rows: number;
  byteOffset: number;
  nullBitmapOffset: number;
  /** The values as written (null for a NULL row). */
  values: (bigint | number | null)[];
}

/**
 * Writes a column at a random 8-aligned offset in [base, base + span) and its null bitmap at a
 * random (unaligned) offset after it. Padding bits of the null bitmap's last byte are random, as
 * nothing promises storage zeroes them. Non-NULL values are written with raw bits (NaN payloads
 * kept); NULL rows hold random garbage.
 */
export function writeColumn(mem: WebAssembly.Memory, r: Rng, kind: 'i64' | 'f64', rows: number, base: number, nullRate: number): TestColumn {
  const dv = new DataView(mem.buffer);
  const byteOffset = base + 8 * r.int(16);
  const nullBitmapOffset = byteOffset + rows * 8 + r.int(16);
  const values: (bigint | number | null)[] = [];
  const nullBytes = (rows + 7) >>> 3;
  for (let b = 0; b < nullBytes; b++) dv.setUint8(nullBitmapOffset + b, r.u32() & 0xff);
  for (let i = 0; i < rows; i++) {
    const isNull = r.chance(nullRate);
    const byte = dv.getUint8(nullBitmapOffset + (i >>> 3));
    dv.setUint8(nullBitmapOffset + (i >>> 3), isNull ? byte | (1 << (i & 7)) : byte & ~(1 << (i & 7)));
    if (kind === 'i64') {
      const v = randomI64(r);
      dv.setBigInt64(byteOffset + i * 8, isNull ? r.i64() : v, true);
      values.push(isNull ? null : v);
    } else {
      const v = randomF64(r);
      dv.setFloat64(byteOffset + i * 8, isNull ? randomF64(r) : v, true);
      values.push(isNull ? null : v);
    }
  }
  return { kind, rows, byteOffset, nullBitmapOffset, values };
}

/** A backend's name in test messages (tells the AVX-512F-only set from the full one). */
export function label(b: Backend): string {
  return (b as Backend & { label?: string }).label ?? b.name;
}

/** Every backend that loads here, scalar first. Native ones are absent without the addon. */
export function backends(mem: WebAssembly.Memory): { list: Backend[]; missing: string[] } {
  const list: Backend[] = [new ScalarBackend(mem)];
  const missing: string[] = [];
  const tries: [string, () => Backend][] = [
    ['wasm', () => loadWasmBackend(mem)],
    ['avx2', () => loadNativeBackend(mem, 'avx2')],
    ['avx512', () => loadNativeBackend(mem, 'avx512')],
    // The same set without the CPU-extension swaps (VPOPCNTDQ popcount, DQ f64 hash), so the
    // AVX-512F fallbacks are checked on a machine that has the extensions too.
    ['avx512f', () => Object.assign(loadNativeBackend(mem, 'avx512', true), { label: 'avx512f' })],
  ];
  for (const [name, load] of tries) {
    try { list.push(load()); } catch (e) { missing.push(`${name}: ${(e as Error).message}`); }
  }
  if (process.env['HELIOS_REQUIRE_BACKENDS'] !== undefined) {
    const want = process.env['HELIOS_REQUIRE_BACKENDS'].split(',');
    for (const w of want) {
      if (!list.some((b) => b.name === w)) throw new Error(`HELIOS_REQUIRE_BACKENDS wants ${w}, which did not load: ${missing.join('; ')}`);
    }
  }
  return { list, missing };
}
