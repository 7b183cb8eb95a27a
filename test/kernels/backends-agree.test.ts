/**
 * Property test: every backend's raw kernels equal the scalar reference, byte for byte, on
 * random columns with NULLs, garbage null-bitmap padding and edge values (i64 min/max, NaN with
 * payloads, ±0, ±Infinity, subnormals), for row counts around every vector width. Each kernel
 * must also write exactly ceil(rows/8) output bytes (guard bytes after them stay intact). Row
 * counts cover every tail length 0..67 and the widths around 8/16/32-row steps; one iteration in
 * ten is 2048–6047 rows, so the native 256-byte bitmap, 32-row IN and 16-row hash loops run with
 * tails; bitmaps sit at random unaligned offsets, columns at random 8-aligned ones.
 * Replay a failure with HELIOS_SEED=<seed>; HELIOS_KERNEL_ITERS raises the iteration count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend } from '../../src/kernels/backend.js';
import { backends, label, F64_EDGES, I64_EDGES, randomF64, randomI64, Rng, testSeed, writeColumn, type TestColumn } from './helpers.js';

const ITERS = Number(process.env['HELIOS_KERNEL_ITERS'] ?? 150);
const ROW_COUNTS = [...Array.from({ length: 68 }, (_, k) => k), 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 2047, 2048, 2049];
const OUT = 1 << 20; // output bitmaps / results live here
const GUARD = 0xa5;

function bytes(mem: WebAssembly.Memory, at: number, n: number): Uint8Array {
  return new Uint8Array(mem.buffer, at, n).slice();
}

/**
 * Runs `fn(backend, out)` for every backend over an output area pre-filled with garbage and
 * followed by guard bytes, and asserts each writes the scalar backend's bytes and no others.
 */
function agreeOnBytes(mem: WebAssembly.Memory, list: Backend[], outBytes: number, what: string,
  fn: (b: Backend, out: number) => void): Uint8Array {
  let ref: Uint8Array | undefined;
  for (const b of list) {
    const area = new Uint8Array(mem.buffer, OUT, outBytes + 64);
    for (let i = 0; i < area.length; i++) area[i] = i < outBytes ? (i * 37 + 11) & 0xff : GUARD;
    fn(b, OUT);
    const got = bytes(mem, OUT, outBytes);
    const guard = bytes(mem, OUT + outBytes, 64);
    assert.ok(guard.every((g) => g === GUARD), `${what}: backend ${label(b)} wrote past its ${outBytes} output bytes`);
    if (ref === undefined) ref = got;
    else assert.deepEqual(got, ref, `${what}: backend ${label(b)} differs from the scalar reference`);
  }
  return ref!;
}

function agreeOnValue<T>(list: Backend[], what: string, fn: (b: Backend) => T, same: (a: T, b: T) => boolean): void {
  const ref = fn(list[0]!);
  for (const b of list.slice(1)) {
    const got = fn(b);
    assert.ok(same(got, ref), `${what}: backend ${label(b)} gave ${String(got)}, scalar ${String(ref)}`);
  }
}

/** Writes a random bitmap for `rows` rows with random padding bits at `at`. */
function randomBitmap(mem: WebAssembly.Memory, r: Rng, rows: number, at: number, density: number): void {
  const u8 = new Uint8Array(mem.buffer);
  for (let b = 0; b < (rows + 7) >>> 3; b++) {
    let v = 0;
    for (let j = 0; j < 8; j++) if (b * 8 + j >= rows ? r.chance(0.5) : r.chance(density)) v |= 1 << j;
    u8[at + b] = v;
  }
}

function bitsNoPadding(out: Uint8Array, rows: number): boolean {
  return rows % 8 === 0 || out.length === 0 || (out[out.length - 1]! >>> (rows % 8)) === 0;
}

function pickI64(r: Rng, col: TestColumn): bigint {
  const present = col.values.filter((v): v is bigint => v !== null);
  return present.length > 0 && r.chance(0.5) ? r.pick(present) : r.chance(0.5) ? r.pick(I64_EDGES) : randomI64(r);
}

function pickF64(r: Rng, col: TestColumn): number {
  const present = col.values.filter((v): v is number => v !== null);
  return present.length > 0 && r.chance(0.5) ? r.pick(present) : r.chance(0.5) ? r.pick(F64_EDGES) : randomF64(r);
}

const sameF64 = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

test('every backend equals the scalar reference on every raw kernel', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (HELIOS_SEED=${seed} to replay)`);
  const r = new Rng(seed);
  const mem = new WebAssembly.Memory({ initial: 32 });
  const { list, missing } = backends(mem);
  t.diagnostic(`backends: ${list.map(label).join(', ')}${missing.length ? `; not loaded: ${missing.join('; ')}` : ''}`);
  assert.ok(list.some((b) => b.name === 'wasm'), 'the WASM backend must load (run npm run build:wasm)');

  for (let iter = 0; iter < ITERS; iter++) {
    const rows = r.chance(0.7) ? r.pick(ROW_COUNTS) : r.chance(0.66) ? r.int(2000) : 2048 + r.int(4000);
    const nullRate = r.pick([0, 0.05, 0.5, 1]);
    const ci = writeColumn(mem, r, 'i64', rows, 0, nullRate);
    const cf = writeColumn(mem, r, 'f64', rows, 1 << 19, nullRate);
    const nb = (rows + 7) >>> 3;
    const ctx = `iter ${iter} rows ${rows} (seed ${seed})`;
    // Bitmaps at unaligned offsets (a selection in scratch is 64-aligned, a null bitmap is not).
    const A = OUT + 0x10000 + r.int(64), B = OUT + 0x20000 + r.int(64), SET = OUT + 0x30000 + 8 * r.int(8), SEL = OUT + 0x40000 + r.int(64);

    const check = (what: string, fn: (b: Backend, out: number) => void): void => {
      const out = agreeOnBytes(mem, list, nb, `${what} ${ctx}`, fn);
      assert.ok(bitsNoPadding(out, rows), `${what} ${ctx}: padding bits set`);
    };

    // Comparisons as ranges, with bounds drawn from the data and the edges.
    for (let k = 0; k < 4; k++) {
      let lo = pickI64(r, ci), hi = r.chance(0.3) ? lo : pickI64(r, ci);
      if (r.chance(0.7) && lo > hi) [lo, hi] = [hi, lo];
      const neg = r.chance(0.5);
      check(`rangeI64 [${lo}, ${hi}] negate=${neg}`, (b, out) => b.rangeI64(ci.byteOffset, ci.nullBitmapOffset, rows, lo, hi, neg, out));
      let flo = pickF64(r, cf), fhi = r.chance(0.3) ? flo : pickF64(r, cf);
      if (r.chance(0.7) && flo > fhi) [flo, fhi] = [fhi, flo];
      check(`rangeF64 [${flo}, ${fhi}] negate=${neg}`, (b, out) => b.rangeF64(cf.byteOffset, cf.nullBitmapOffset, rows, flo, fhi, neg, out));
    }

    // IN sets of 0..9 values.
    const setLen = r.int(10);
    const dv = new DataView(mem.buffer);
    for (let k = 0; k < setLen; k++) dv.setBigInt64(SET + 8 * k, pickI64(r, ci), true);
    for (const neg of [false, true]) {
      check(`inI64 len ${setLen} negate=${neg}`, (b, out) => b.inI64(ci.byteOffset, ci.nullBitmapOffset, rows, SET, setLen, neg, out));
    }
    for (let k = 0; k < setLen; k++) dv.setFloat64(SET + 8 * k, pickF64(r, cf), true);
    for (const neg of [false, true]) {
      check(`inF64 len ${setLen} negate=${neg}`, (b, out) => b.inF64(cf.byteOffset, cf.nullBitmapOffset, rows, SET, setLen, neg, out));
    }
    check('validF64', (b, out) => b.validF64(cf.byteOffset, cf.nullBitmapOffset, rows, out));

    // Bitmap algebra over inputs with garbage padding.
    randomBitmap(mem, r, rows, A, r.pick([0.1, 0.5, 0.9]));
    randomBitmap(mem, r, rows, B, r.pick([0.1, 0.5, 0.9]));
    check('andBits', (b, out) => b.andBits(A, B, rows, out));
    check('orBits', (b, out) => b.orBits(A, B, rows, out));
    check('andNotBits', (b, out) => b.andNotBits(A, B, rows, out));
    check('notBits', (b, out) => b.notBits(A, rows, out));
    agreeOnValue(list, `popcount ${ctx}`, (b) => b.popcount(A, rows), (x, y) => x === y);

    // Key hashes: 4 bytes per row.
    const seed32 = r.u32();
    agreeOnBytes(mem, list, rows * 4, `hashI64 seed ${seed32} ${ctx}`, (b, out) => b.hashI64(ci.byteOffset, ci.nullBitmapOffset, rows, seed32, out));
    agreeOnBytes(mem, list, rows * 4, `hashF64 seed ${seed32} ${ctx}`, (b, out) => b.hashF64(cf.byteOffset, cf.nullBitmapOffset, rows, seed32, out));

    // Aggregates over an effective selection (random rows among the valid ones).
    const density = r.pick([0, 0.2, 1]);
    randomBitmap(mem, r, rows, A, density);
    list[0]!.andNotBits(A, ci.nullBitmapOffset, rows, SEL);
    agreeOnBytes(mem, list, 32, `sumI64 ${ctx}`, (b, out) => b.sumI64(ci.byteOffset, SEL, rows, out));
    agreeOnValue(list, `minI64 ${ctx}`, (b) => b.minI64(ci.byteOffset, SEL, rows), (x, y) => x === y);
    agreeOnValue(list, `maxI64 ${ctx}`, (b) => b.maxI64(ci.byteOffset, SEL, rows), (x, y) => x === y);

    list[0]!.validF64(cf.byteOffset, cf.nullBitmapOffset, rows, B);
    list[0]!.andBits(A, B, rows, SEL);
    const lanesOf = (b: Backend): number[] => {
      b.sumF64(cf.byteOffset, SEL, rows, OUT);
      return Array.from(new Float64Array(mem.buffer, OUT, 16));
    };
    const ref = lanesOf(list[0]!);
    for (const b of list.slice(1)) {
      const got = lanesOf(b);
      for (let l = 0; l < 16; l++) {
        // Bit-for-bit, except that a NaN's payload is not specified (it never reaches SQL).
        const same = Object.is(got[l], ref[l]) || (Number.isNaN(got[l]!) && Number.isNaN(ref[l]!));
        assert.ok(same, `sumF64 ${ctx}: backend ${label(b)} lane ${l} = ${got[l]}, scalar ${ref[l]}`);
      }
    }
    agreeOnValue(list, `minF64 ${ctx}`, (b) => b.minF64(cf.byteOffset, SEL, rows), sameF64);
    agreeOnValue(list, `maxF64 ${ctx}`, (b) => b.maxF64(cf.byteOffset, SEL, rows), sameF64);
  }
});
