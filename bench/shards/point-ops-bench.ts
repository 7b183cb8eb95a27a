/**
 * Point statements through the coordinator (router → Fragment frames over the rings → shard
 * engines, no network) on 16 partitions served by 1 and by 2 shards, side by side in one run:
 * point SELECT by primary key, point UPDATE (auto-commit, one partition each) and a fan-out
 * `SELECT count(*)` (all partitions, S locks on the table everywhere), atomic two-update
 * transfers on one partition vs across two (the cost of two-phase commit), and interactive
 * transfers across two partitions (begin; read both; write both; commit — retried on
 * SERIALIZATION_FAILURE), with 64 requests in flight. Prints
 * ops/s per configuration and the 2-shard/1-shard ratio (median of the rounds), and writes
 * bench/results/shards.md. WAL mode async (the fsync is not what this measures).
 * Run: `npm run build && node dist/bench/shards/point-ops-bench.js [rounds] [ms per case]`.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Coordinator } from '../../src/coordinator/index.js';
import { createLogger } from '../../src/log.js';
import { partitionOf } from '../../src/coordinator/partition-hash.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const MS = Number(process.argv[3] ?? 1500);
const ROWS = 5000;
const INFLIGHT = 64;

async function withDb<T>(shards: number, fn: (c: Coordinator) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heliosdb-bench-shards-'));
  const c = new Coordinator({
    shards,
    partitions: 16,
    storage: { dataDir: dir, walMode: 'async', cacheBytes: 64 * 1024 * 1024, asyncSyncIntervalMs: 10, checkpointWalBytes: 64 * 1024 * 1024, logLevel: 'error', simd: 'auto', pageSize: 32 * 1024 },
    log: createLogger('error'),
    onFatal: (r) => { throw new Error(r); },
  });
  try {
    await c.start();
    await c.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)', []);
    for (let i = 0; i < ROWS; i += 500) {
      await c.exec(`INSERT INTO t (id, n, s) VALUES ${Array.from({ length: 500 }, (_, j) => `(${i + j + 1}, ${j}, 'row${i + j}')`).join(', ')}`, []);
    }
    return await fn(c);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rate(op: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + MS;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; performance.now() < end; i += INFLIGHT) {
      await op(i);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: INFLIGHT }, (_, w) => worker(w)));
  return done / ((performance.now() - t0) / 1000);
}

const CASES: [string, (c: Coordinator, i: number) => Promise<unknown>][] = [
  ['point SELECT', (c, i) => c.exec('SELECT n, s FROM t WHERE id = ?', [BigInt(1 + (i * 7919) % ROWS)])],
  ['point UPDATE', (c, i) => c.exec('UPDATE t SET n = n + 1 WHERE id = ?', [BigInt(1 + (i * 7919) % ROWS)])],
  ['fan-out count(*)', (c) => c.exec('SELECT count(*) FROM t', [])],
];

/**
 * Transfers as atomic `/v1/batch` bodies (two updates): both rows on one partition (committed on
 * its shard alone) vs on two partitions (two-phase commit: PREPARE on each, the decision logged
 * and fdatasync'ed, COMMIT) — the cost of 2PC. Pairs are found once with the router's hash.
 */
const PAIRS = 256;
const samePairs: [number, number][] = [];
const crossPairs: [number, number][] = [];
for (let a = 1; a <= ROWS && (samePairs.length < PAIRS || crossPairs.length < PAIRS); a++) {
  const b = 1 + ((a * 7919) % ROWS);
  if (a === b) continue;
  const same = partitionOf(BigInt(a), 16) === partitionOf(BigInt(b), 16);
  if (same && samePairs.length < PAIRS) samePairs.push([a, b]);
  else if (!same && crossPairs.length < PAIRS) crossPairs.push([a, b]);
}
// For a one-partition pair, look for a partner on the same partition.
for (let a = 1; samePairs.length < PAIRS && a <= ROWS; a++) {
  for (let b = a + 1; b <= ROWS; b++) {
    if (partitionOf(BigInt(a), 16) === partitionOf(BigInt(b), 16)) { samePairs.push([a, b]); break; }
  }
}
const encoder = new TextEncoder();
const transfer = (c: Coordinator, [a, b]: [number, number]) =>
  c.batch(encoder.encode(JSON.stringify({
    transaction: true,
    statements: [
      { sql: 'UPDATE t SET n = n - 1 WHERE id = ?', params: [a] },
      { sql: 'UPDATE t SET n = n + 1 WHERE id = ?', params: [b] },
    ],
  })));
/** An interactive transfer (the coordinator's /v1/tx path without HTTP), retried on SERIALIZATION_FAILURE. */
const interactive = async (c: Coordinator, [a, b]: [number, number]): Promise<void> => {
  for (;;) {
    const tx = c.txns.begin();
    try {
      const na = (await c.txExec(tx, 'SELECT n FROM t WHERE id = ?', [BigInt(a)])).rows[0]![0] as bigint;
      const nb = (await c.txExec(tx, 'SELECT n FROM t WHERE id = ?', [BigInt(b)])).rows[0]![0] as bigint;
      await c.txExec(tx, 'UPDATE t SET n = ? WHERE id = ?', [na - 1n, BigInt(a)]);
      await c.txExec(tx, 'UPDATE t SET n = ? WHERE id = ?', [nb + 1n, BigInt(b)]);
      await c.txCommit(tx);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SERIALIZATION_FAILURE') throw e;
      if (c.txns.has(tx)) await c.txRollback(tx);
    }
  }
};
CASES.push(
  ['transfer batch, one partition', (c, i) => transfer(c, samePairs[i % samePairs.length]!)],
  ['transfer batch, two partitions (2PC)', (c, i) => transfer(c, crossPairs[i % crossPairs.length]!)],
  ['interactive transfer, two partitions (2PC)', (c, i) => interactive(c, crossPairs[i % crossPairs.length]!)],
);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const shards of [1, 2]) {
    await withDb(shards, async (c) => {
      for (const [name, op] of CASES) {
        const v = await rate((i) => op(c, i));
        const key = `${name}|${shards}`;
        results.set(key, [...(results.get(key) ?? []), v]);
      }
    });
  }
}
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const lines = [
  '# Point statements through the coordinator: 1 vs 2 shards (16 partitions)',
  '',
  `${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${load}, ${ROUNDS} rounds × ${MS} ms, ${INFLIGHT} in flight, ${ROWS} rows, WAL async. Medians.`,
  '',
  '| case | 1 shard ops/s | 2 shards ops/s | 2/1 |',
  '|---|---:|---:|---:|',
];
for (const [name] of CASES) {
  const one = median(results.get(`${name}|1`)!);
  const two = median(results.get(`${name}|2`)!);
  lines.push(`| ${name} | ${one.toFixed(0)} | ${two.toFixed(0)} | ${(two / one).toFixed(2)} |`);
}
const cost = (shards: number) =>
  median(results.get(`transfer batch, one partition|${shards}`)!) / median(results.get(`transfer batch, two partitions (2PC)|${shards}`)!);
lines.push('', `Cost of 2PC: a one-partition transfer runs ${cost(1).toFixed(1)}× (1 shard) and ${cost(2).toFixed(1)}× (2 shards) as many per second as a two-partition one.`);
console.log(lines.join('\n'));
const out = fileURLToPath(new URL('../../../bench/results/shards.md', import.meta.url));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
