/**
 * What the page size costs and buys: runs the storage, SQL and end-to-end scan benchmarks at each
 * page size, each against SQLite in the same process, and writes one table of ratios to
 * bench/results/page-size.md (the JSON of every run beside it, in bench/results/page-size.json).
 *
 *   node dist/bench/storage/page-size-bench.js [--sizes 8,16,32,64] [--reps 3] [--rows 1000000] [--e2e-rows 1000000]
 *
 * Per size: `storage-bench` and `sql-e2e` run `--reps` times (repetitions interleave the sizes,
 * so a load spike hits every size alike) and each ratio is the median over the repetitions;
 * `sql-bench --runs <reps>` runs once per size and takes its own median over its runs. Ratios
 * only: the machine is shared, so absolute numbers drift between runs but both sides of a ratio
 * see the same load.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const SIZES = opt('sizes', '8,16,32,64').split(',').map((s) => Number(s) * 1024);
const REPS = Number(opt('reps', '3'));
const ROWS = Number(opt('rows', '1000000'));
const E2E_ROWS = Number(opt('e2e-rows', '1000000'));

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..');
const root = resolve(here, '../../..');
const work = mkdtempSync(join(tmpdir(), 'heliosdb-page-size-'));

interface StorageRun { results: { name: string; ours: number; sqlite: number; unit: string }[] }
interface SqlRun { results: { case: string; ratio: number }[]; sqlite: string; betterSqlite3: string }
interface E2eRun { results: Record<string, Record<string, number>>; batches: number; backend: string }

function run(script: string, extra: string[], json: string): unknown {
  const t0 = performance.now();
  execFileSync(process.execPath, [join(dist, script), ...extra, '--json', json], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`  ${script} ${extra.join(' ')}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return JSON.parse(readFileSync(json, 'utf8'));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** measurement → size → the ratio of every repetition. */
const ratios = new Map<string, Map<number, number[]>>();
const note = (name: string, size: number, r: number): void => {
  if (!ratios.has(name)) ratios.set(name, new Map());
  const m = ratios.get(name)!;
  if (!m.has(size)) m.set(size, []);
  m.get(size)!.push(r);
};
const loads: number[] = [loadavg()[0]!];
const raw: Record<string, unknown[]> = {};
const keep = (key: string, v: unknown): void => void (raw[key] ??= []).push(v);
let versions = '';

try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const size of SIZES) {
      console.log(`rep ${rep + 1}/${REPS}, ${size / 1024} KiB pages (load ${loadavg()[0]!.toFixed(2)})`);
      loads.push(loadavg()[0]!);
      const st = run('storage/storage-bench.js', ['--rows', String(ROWS), '--page-size', String(size)], join(work, 'st.json')) as StorageRun;
      keep(`storage-${size}`, st);
      for (const r of st.results) note(`storage: ${r.name} (${r.unit}, ours ÷ SQLite, higher is better)`, size, r.ours / r.sqlite);
      const e2e = run('kernels/sql-e2e.js', ['--rows', String(E2E_ROWS), '--page-size', String(size)], join(work, 'e2e.json')) as E2eRun;
      keep(`e2e-${size}`, e2e);
      for (const [q, ms] of Object.entries(e2e.results)) {
        const kernels = Object.keys(ms).find((k) => k.startsWith('kernels ') && k !== 'kernels none')!;
        note(`sql-e2e ${E2E_ROWS / 1e6}M rows: ${q} (${kernels} ÷ SQLite time, lower is better)`, size, ms[kernels]! / ms['SQLite']!);
      }
      note(`sql-e2e: rows per leaf`, size, E2E_ROWS / e2e.batches);
    }
  }
  for (const size of SIZES) {
    console.log(`sql-bench, ${size / 1024} KiB pages (load ${loadavg()[0]!.toFixed(2)})`);
    loads.push(loadavg()[0]!);
    const sq = run('sql/sql-bench.js', ['--runs', String(REPS), '--page-size', String(size)], join(work, 'sql.json')) as SqlRun;
    keep(`sql-${size}`, sq);
    versions = `SQLite ${sq.sqlite} via better-sqlite3 ${sq.betterSqlite3}`;
    for (const r of sq.results) note(`sql-bench: ${r.case} (ours ÷ SQLite time, lower is better)`, size, r.ratio);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const cmd = `node dist/bench/storage/page-size-bench.js --sizes ${SIZES.map((s) => s / 1024).join(',')} --reps ${REPS} --rows ${ROWS} --e2e-rows ${E2E_ROWS}`;
const lines = [
  '# Page size: what each size costs and buys',
  '',
  `Run: ${new Date().toISOString()} — \`${cmd}\``,
  `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}; Node ${process.version}; ${versions}.`,
  `Load average (1 min) during the run: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (median ${median(loads).toFixed(2)}); the machine is shared, so only ratios (both sides measured in the same process, interleaved) are reported.`,
  `Each cell: the median over ${REPS} runs of ours ÷ SQLite (storage-bench and sql-e2e: ${REPS} processes per size, sizes interleaved; sql-bench: one process per size, \`--runs ${REPS}\`).`,
  '',
  `| measurement | ${SIZES.map((s) => `${s / 1024} KiB`).join(' | ')} |`,
  `|---|${SIZES.map(() => '---:').join('|')}|`,
  ...[...ratios].map(([name, bySize]) => `| ${name} | ${SIZES.map((s) => fmt(median(bySize.get(s) ?? [NaN]))).join(' | ')} |`),
  '',
];
mkdirSync(resolve(root, 'bench/results'), { recursive: true });
writeFileSync(resolve(root, 'bench/results/page-size.md'), lines.join('\n'));
writeFileSync(resolve(root, 'bench/results/page-size.json'), JSON.stringify({ cmd, loads, ratios: Object.fromEntries([...ratios].map(([k, m]) => [k, Object.fromEntries(m)])), raw }, null, 2) + '\n');
console.log(lines.join('\n'));
