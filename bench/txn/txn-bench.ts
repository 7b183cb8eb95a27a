/**
 * Transaction-layer benchmark: what locking and two-phase commit add to a statement, next to the
 * work they protect, in one run.
 *   1. Lock manager: one auto-commit point write (begin, partition IX + table IX + row X,
 *      release) per iteration, with 0 or 1,000 other transactions holding row locks on the same
 *      table; reference: the same three keys set and deleted in a plain Map (the floor for any
 *      hash-based lock table), and the storage work of the write itself (get + update + commit
 *      on a paged partition in memory, no fsync).
 *   2. Decision log on the real file system: fdatasync per decision vs one per 64 (group commit).
 *
 *   npm run bench:txn
 *   node dist/bench/txn/txn-bench.js --seconds 0.5 --rounds 3
 *
 * Writes bench/results/txn.md (machine and versions included).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DecisionLog, LockManager, lockPlans, NodeLogIO, txnId, type TxnId } from '../../src/coordinator/txn/index.js';
import { createBufferPool, MemoryFileIO, openPartition } from '../../src/storage/index.js';

const args = parseArgs(process.argv.slice(2));
const SECONDS = Number(args['seconds'] ?? 0.5);
const ROUNDS = Number(args['rounds'] ?? 3);

/** Runs `fn` in chunks for SECONDS after a short warm-up; returns ns per call. */
function time(fn: () => void): number {
  const until = (s: number): number => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < s * 1000) {
      for (let i = 0; i < 256; i++) fn();
      n += 256;
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  until(0.1);
  return until(SECONDS);
}

function lockBench(background: number): () => void {
  const l = new LockManager({ lockWaitTimeoutMs: 1e9, idleTimeoutMs: 1e9 });
  for (let i = 0; i < background; i++) {
    const t = txnId(1_000_000 + i);
    l.begin(t, 0);
    l.acquire(t, lockPlans.pointWrite(0, 1, BigInt(10_000 + i)), 0);
  }
  let next = 1;
  return () => {
    const t = txnId(next++) as TxnId;
    l.begin(t, 0);
    if (l.acquire(t, lockPlans.pointWrite(0, 1, BigInt(next & 1023)), 0).status !== 'granted') throw new Error('bench: not granted');
    l.releaseAll(t);
  };
}

function mapBench(): () => void {
  const m = new Map<string, number>();
  let next = 1;
  return () => {
    const k = next++ & 1023;
    m.set('p0', 1);
    m.set('p0/t1', 1);
    m.set(`p0/t1/r${k}`, 1);
    m.delete(`p0/t1/r${k}`);
    m.delete('p0/t1');
    m.delete('p0');
  };
}

function storageBench(): () => void {
  const pool = createBufferPool({ bytes: 8 << 20 });
  const p = openPartition(0, { dir: '/b', walMode: 'async', fileIO: new MemoryFileIO(), asyncSyncIntervalMs: 1e9 }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer'] });
  for (let i = 0; i < 1024; i++) t.insert(1, BigInt(i), [100n]);
  t.commit();
  let next = 1;
  return () => {
    const k = BigInt(next++ & 1023);
    const x = p.begin();
    const row = x.get(1, k)!;
    x.update(1, k, [(row[0] as bigint) + 1n]);
    x.commit();
  };
}

function logBench(perSync: number): { usPerDecision: number; usPerSync: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'helios-txn-bench-'));
  try {
    const log = new DecisionLog({ io: new NodeLogIO(), dir, compactAfterForgets: 1 << 30 });
    let next = 1;
    const t0 = performance.now();
    let syncs = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      for (let i = 0; i < perSync; i++) log.appendCommit(txnId(next++), [0, 1]);
      log.sync();
      syncs++;
    }
    const ms = performance.now() - t0;
    log.close();
    return { usPerDecision: (ms * 1000) / (syncs * perSync), usPerSync: (ms * 1000) / syncs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rows: Record<string, number[]> = { lock0: [], lock1000: [], map: [], storage: [] };
const logs: { one: number[]; group: number[]; syncUs: number[] } = { one: [], group: [], syncUs: [] };
const load0 = os.loadavg();
for (let r = 0; r < ROUNDS; r++) {
  rows['lock0']!.push(time(lockBench(0)));
  rows['lock1000']!.push(time(lockBench(1000)));
  rows['map']!.push(time(mapBench()));
  rows['storage']!.push(time(storageBench()));
  const one = logBench(1);
  const group = logBench(64);
  logs.one.push(one.usPerDecision);
  logs.group.push(group.usPerDecision);
  logs.syncUs.push(one.usPerSync);
}
const m = (k: string): number => median(rows[k]!);
const lines: string[] = [];
const md = (s: string): void => {
  lines.push(s);
  console.log(s);
};
md('# Transaction-layer benchmark\n');
md(`${ROUNDS} rounds of ${SECONDS} s per case (medians shown).\n`);
md('| case | ns per op | vs. reference |');
md('|---|---:|---:|');
md(`| lock manager: auto-commit point write (3 locks), idle table | ${m('lock0').toFixed(0)} | ${(m('lock0') / m('map')).toFixed(1)}× Map floor, ${((100 * m('lock0')) / m('storage')).toFixed(0)}% of the storage write |`);
md(`| lock manager: same, 1,000 other transactions holding row locks | ${m('lock1000').toFixed(0)} | ${(m('lock1000') / m('lock0')).toFixed(2)}× idle table |`);
md(`| reference: Map set+delete of the same 3 keys | ${m('map').toFixed(0)} | 1.0× |`);
md(`| reference: storage get+update+commit (paged, in memory, no fsync) | ${m('storage').toFixed(0)} | – |`);
md('');
md('| decision log (real fs, fdatasync) | µs per decision |');
md('|---|---:|');
md(`| one fdatasync per decision | ${median(logs.one).toFixed(1)} |`);
md(`| 64 decisions per fdatasync (group commit) | ${median(logs.group).toFixed(2)} (${(median(logs.one) / median(logs.group)).toFixed(0)}× cheaper) |`);
md('');
md(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; ` +
  `Node ${process.version} (V8 ${process.versions.v8}). Temp dir on ${os.tmpdir()}. Run ${new Date().toISOString()}.`);
md(`Load average at the start and end: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}. ` +
  'The machine is shared: treat absolute numbers as rough, ratios within a round as the result.');
const dir = new URL('../../../bench/results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('txn.md', dir), lines.join('\n') + '\n');

function parseArgs(a: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 2) out[a[i]!.replace(/^--/, '')] = a[i + 1] ?? '';
  return out;
}
