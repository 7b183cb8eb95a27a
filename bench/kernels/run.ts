/**
 * The kernels bench: `node dist/bench/kernels/run.js [--quick] [--runs 3] [--only <regexp>]`.
 *
 * One run measures every scan kernel on every backend that loads here, as GB/s of bytes read,
 * beside the plain-JS loop doing the same job and memcpy of the same bytes, and prints the ratios
 * the issue's aims are stated in (kernel ≥ 4× the JS loop; kernel ≥ ½ memcpy). The whole suite
 * is repeated `--runs` times (default 3) and every cell is the median over the runs — GB/s and
 * each ratio (a ratio is taken inside one run, against the reference measured beside it, then
 * the median of those is reported); the load average before each run is recorded. `--only`
 * keeps the kernels whose name matches (for iterating on one kernel). Results go to
 * bench/results/kernels-<timestamp>.{json,md} with the machine and versions.
 *
 * Suites: `kernel` (kernel-suite.ts). The end-to-end SQL suite (filter and aggregate queries
 * through the executor on the paged storage, with the kernels, with simd_acceleration = "none",
 * without kernels, and better-sqlite3) is its own entry point, sql-e2e.ts
 * (`node dist/bench/kernels/sql-e2e.js [--rows N]`): it loads a table, which this runner's
 * in-memory layout does not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Backend } from '../../src/kernels/backend.js';
import { ScalarBackend } from '../../src/kernels/scalar-backend.js';
import { NATIVE_MIN_ROWS, loadBackend } from '../../src/kernels/select-backend.js';
import { runSuite, PAGE_ROWS, type Layout, type Row } from './kernel-suite.js';
import { machine } from './timing.js';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 1 << 16 : 1 << 20; // 8 MiB per column in the full run: past L2, in L3 or DRAM
const MIN_MS = quick ? 10 : 40; // per candidate and round; 5 interleaved rounds
const RUNS = Math.max(1, Number(argValue('runs') ?? 3));
const ONLY = argValue('only');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function layout(rows: number): { pages: number; L: Layout } {
  let at = 0;
  const take = (bytes: number): number => { const p = at; at += Math.ceil(bytes / 64) * 64 + 64; return p; };
  const L: Layout = {
    rows, i64: take(rows * 8), f64: take(rows * 8), nulls: take(rows / 8), selI: take(rows / 8), selF: take(rows / 8),
    a: take(rows / 8), b: take(rows / 8), out: take(rows / 8), res: take(256), setI: take(64), setF: take(64), copyDst: take(rows * 8 + rows), hashOut: take(rows * 4), all: take(rows / 8),
  };
  return { pages: Math.ceil(at / 65536) + 1, L };
}

function fill(mem: WebAssembly.Memory, L: Layout): void {
  const dv = new DataView(mem.buffer);
  let seed = 12345;
  const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  for (let i = 0; i < L.rows; i++) {
    dv.setBigInt64(L.i64 + 8 * i, BigInt(rnd()) * BigInt(rnd() & 0xffff) - (1n << 40n), true);
    dv.setFloat64(L.f64 + 8 * i, rnd() / 2 ** 31 - 1, true);
  }
  for (let j = 0; j < L.rows / 8; j++) {
    dv.setUint8(L.nulls + j, (rnd() & 0xff) < 13 ? 1 << (rnd() & 7) : 0); // ~5% of bytes hold a NULL
    dv.setUint8(L.a + j, rnd() & 0xff);
    dv.setUint8(L.b + j, rnd() & 0xff);
  }
  const scalar = new ScalarBackend(mem);
  scalar.andNotBits(L.a, L.nulls, L.rows, L.selI); // ~50% selected, no NULLs
  scalar.andNotBits(L.a, L.nulls, L.rows, L.selF);
  new Uint8Array(mem.buffer, L.all, L.rows / 8).fill(0xff);
  [3n, 17n, 99n, 1000n, -5n].forEach((v, k) => dv.setBigInt64(L.setI + 8 * k, v, true));
  [3, 17.5, 99, 1000, -5].forEach((v, k) => dv.setFloat64(L.setF + 8 * k, v, true));
}

const SUITES: { name: string; run: (report: (r: Row) => void) => { backends: string[]; missing: string[] } }[] = [
  {
    name: 'kernel',
    run: (report) => {
      const { pages, L } = layout(ROWS);
      const mem = new WebAssembly.Memory({ initial: pages });
      fill(mem, L);
      const list: Backend[] = [new ScalarBackend(mem)];
      const missing: string[] = [];
      // The backends as the product loads them (native ones with WASM for small calls).
      for (const name of ['wasm', 'avx2', 'avx512'] as const) {
        try { list.push(loadBackend(name, mem)); } catch (e) { missing.push(`${name}: ${(e as Error).message}`); }
      }
      runSuite(mem, L, list, MIN_MS, report, ONLY === undefined ? undefined : new RegExp(ONLY));
      return { backends: list.map((b) => b.name), missing };
    },
  },
];

const gb = (x: number): string => (x / 1e9).toFixed(2);
const fmtRatio = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)}×`);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

/** One table cell set: median GB/s and median same-run ratios over the runs of one kernel. */
interface MedianRow {
  regime: Row['regime'];
  kernel: string;
  bytes: number;
  memcpy: number;
  jsLoop: number | null;
  backends: Record<string, number>;
  vsMemcpy: Record<string, number>;
  vsJsLoop: Record<string, number | null>;
  runs: Row[];
}

function medianRow(runs: Row[]): MedianRow {
  const r0 = runs[0]!;
  const names = Object.keys(r0.backends);
  const backends: Record<string, number> = {}, vsMemcpy: Record<string, number> = {}, vsJsLoop: Record<string, number | null> = {};
  for (const n of names) {
    backends[n] = median(runs.map((r) => r.backends[n]!));
    vsMemcpy[n] = median(runs.map((r) => r.backends[n]! / r.memcpy));
    vsJsLoop[n] = r0.jsLoop === null ? null : median(runs.map((r) => r.backends[n]! / r.jsLoop!));
  }
  return {
    regime: r0.regime, kernel: r0.kernel, bytes: r0.bytes, memcpy: median(runs.map((r) => r.memcpy)),
    jsLoop: r0.jsLoop === null ? null : median(runs.map((r) => r.jsLoop!)), backends, vsMemcpy, vsJsLoop, runs,
  };
}

const lines: string[] = [];
const say = (s: string): void => { console.log(s); lines.push(s); };
const info = machine();
const loads: number[] = [];
const perRun: Row[][] = [];
let meta = { backends: [] as string[], missing: [] as string[] };
for (let run = 0; run < RUNS; run++) {
  loads.push(Number(loadavg()[0]!.toFixed(2)));
  const rows: Row[] = [];
  console.log(`run ${run + 1}/${RUNS} (load ${loads[run]})`);
  meta = SUITES[0]!.run((r) => {
    rows.push(r);
    console.log(`  ${r.regime} ${r.kernel}: memcpy ${gb(r.memcpy)} · JS ${r.jsLoop === null ? '—' : gb(r.jsLoop)} · ${Object.entries(r.backends).map(([n, x]) => `${n} ${gb(x)}`).join(' · ')}`);
  });
  perRun.push(rows);
}
const table = perRun[0]!.map((_, k) => medianRow(perRun.map((rows) => rows[k]!)));

say(`# kernels bench ${new Date().toISOString()}${quick ? ' (quick)' : ''}`);
say(`${info['cpu']} · ${info['cores']} cores · load average (1 min) before each run: ${loads.join(', ')} · ${info['os']} · node ${info['node']} · ${ROWS} rows (${(ROWS * 8) / 2 ** 20} MiB per column), page regime ${PAGE_ROWS} rows per call`);
say(`Every cell is the median over ${RUNS} run(s) of the whole suite; ratios are taken within a run (kernel and reference measured interleaved in the same process), then their median.`);
const names = Object.keys(table[0]?.backends ?? {});
const fast = names.filter((n) => n !== 'none');
say('');
say(`| regime | kernel | memcpy GB/s | JS loop GB/s | ${names.map((n) => `${n} GB/s`).join(' | ')} | ${fast.map((n) => `${n} ÷ JS loop | ${n} ÷ memcpy`).join(' | ')} |`);
say(`|${'---|'.repeat(4 + names.length + 2 * fast.length)}`);
for (const r of table) {
  say(`| ${r.regime} | ${r.kernel} | ${gb(r.memcpy)} | ${r.jsLoop === null ? '—' : gb(r.jsLoop)} | ${names.map((n) => gb(r.backends[n]!)).join(' | ')} | ${fast.map((n) => `${fmtRatio(r.vsJsLoop[n] ?? null)} | ${fmtRatio(r.vsMemcpy[n]!)}`).join(' | ')} |`);
}
say('');
say(`suite kernel: backends ${meta.backends.join(', ')}${meta.missing.length ? `; not loaded: ${meta.missing.join('; ')}` : ''}`);
say('"none" is the scalar reference backend (written for obviousness); "JS loop" is the tight plain-JS loop for the same job; "memcpy" is `copyWithin` of the same number of bytes in the same regime (one call over the array, or one call per page batch).');
say(`avx2/avx512 are loaded as the product loads them: a call under ${JSON.stringify(NATIVE_MIN_ROWS)} rows (per kernel) runs in WASM, where an N-API call would cost more than the work it saves; so the page regime (${PAGE_ROWS} rows) runs the bitmap kernels in WASM.`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
mkdirSync('bench/results', { recursive: true });
const base = `bench/results/kernels-${stamp}${quick ? '-quick' : ''}${ONLY === undefined ? '' : '-partial'}`;
writeFileSync(`${base}.json`, JSON.stringify({ machine: info, loadavg1mPerRun: loads, runs: RUNS, rows: ROWS, pageRows: PAGE_ROWS, quick, only: ONLY ?? null, results: table }, null, 2) + '\n');
writeFileSync(`${base}.md`, lines.join('\n') + '\n');
console.log(`\nwrote ${base}.json and ${base}.md`);
