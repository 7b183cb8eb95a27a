/**
 * Test helpers for the storage engine: temp dirs, a seeded PRNG (every randomized test prints its
 * seed and accepts HELIOS_SEED), random values of every storage class, and value comparison that
 * respects -0.0 and byte arrays.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Row, Value } from '../../src/storage/api.js';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `helios-${tag}-`));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export { rng } from '../helpers/prng.js';

export function seedFrom(name: string): number {
  const env = process.env['HELIOS_SEED'];
  const seed = env ? Number(env) : (Date.now() ^ (process.pid << 8)) >>> 0;
  console.log(`# ${name}: seed ${seed} (rerun with HELIOS_SEED=${seed})`);
  return seed;
}

export function randInt(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

export function randomValue(r: () => number, big = 0.02): Value {
  const k = randInt(r, 10);
  switch (k) {
    case 0:
      return null;
    case 1:
    case 2:
      return BigInt(randInt(r, 2000) - 1000);
    case 3:
      return r() < 0.5 ? (r() < 0.5 ? -(2n ** 63n) : 2n ** 63n - 1n) : BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * 1024n + BigInt(randInt(r, 1024));
    case 4:
    case 5:
      return r() < 0.05 ? -0 : (r() - 0.5) * 1e6;
    case 6:
    case 7: {
      const n = r() < big ? 300 + randInt(r, 5000) : randInt(r, 20);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.05 ? 0xe9 : 32 + randInt(r, 90));
      return s;
    }
    default: {
      const n = r() < big ? 300 + randInt(r, 5000) : randInt(r, 16);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = randInt(r, 256);
      return b;
    }
  }
}

export function valueEq(a: Value, b: Value): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Object.is(a, b);
}

export function rowEq(a: Row | undefined, b: Row | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => valueEq(v, b[i]!));
}

export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `blob(${x.length})` : Object.is(x, -0) ? '-0' : x));
}
