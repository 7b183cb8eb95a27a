/**
 * Randomized simulation (seeded; prints its seed, accepts HELIOS_SEED; HELIOS_TXN_STEPS makes it
 * longer): bank transfers between accounts on 2–4 partitions served by 1–4 shards, interleaved
 * with multi-partition SUM readers, random message delivery order and batching, timeouts, and
 * random crashes of single shards and of the whole process (with power loss: unsynced writes may
 * vanish or tear). It checks, at every reader and at the end:
 *   - a SUM across all partitions, taken in one transaction, always equals the money there is
 *     (no money in flight is ever visible);
 *   - after recovery, the money is conserved; every transaction's history rows are in all of its
 *     partitions or in none; every acknowledged commit is present; nothing is left in doubt.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeliosError } from '../../src/errors.js';
import type { TxnId } from '../../src/shard/txn/index.js';
import { rng, seedFrom } from '../storage/helpers.js';
import { check } from './scenario-runner.js';
import { SimCluster, START } from './sim-cluster.js';

interface Client {
  txn: TxnId;
  kind: 'transfer' | 'reader';
  /** [partition, account, delta, 'w'] writes; [partition, 0, 0n, 'r'] sums a partition. */
  steps: [number, number, bigint, 'r' | 'w'][];
  at: number;
  parked: boolean;
  sum: bigint;
  parts: Set<number>;
}

function run(seed: number, steps: number): { committed: number; aborted: number; reads: number; crashes: number } {
  const r = rng(seed);
  const partitions = 2 + Math.floor(r() * 3);
  const shards = 1 + Math.floor(r() * Math.min(4, partitions));
  const accounts = 3;
  const sim = new SimCluster({ partitions, shards, accounts, rand: r, lockWaitTimeoutMs: 300, idleTimeoutMs: 2000 });
  const total = START * BigInt(partitions * accounts);
  const ctx = `seed ${seed} (${partitions} partitions, ${shards} shards)`;
  let clients: Client[] = [];
  let reads = 0;
  let crashes = 0;
  const pick = (n: number): number => Math.floor(r() * n);

  const newClient = (): Client => {
    const txn = sim.begin();
    if (r() < 0.2) {
      const order = [...Array(partitions).keys()].sort(() => r() - 0.5);
      return { txn, kind: 'reader', steps: order.map((p) => [p, 0, 0n, 'r']), at: 0, parked: false, sum: 0n, parts: new Set(order) };
    }
    const a: [number, number] = [pick(partitions), 1 + pick(accounts)];
    let b: [number, number] = [r() < 0.25 ? a[0] : pick(partitions), 1 + pick(accounts)];
    if (b[0] === a[0] && b[1] === a[1]) b = [a[0], (a[1] % accounts) + 1];
    const amt = BigInt(1 + pick(20));
    const steps: Client['steps'] = [[...a, -amt, 'w'], [...b, amt, 'w']];
    // Sometimes the transfer also reads another partition: one writer plus readers (the unlogged
    // single-writer commit when both writes share a partition).
    if (r() < 0.3) steps.splice(pick(3), 0, [pick(partitions), 0, 0n, 'r']);
    return { txn, kind: 'transfer', steps, at: 0, parked: false, sum: 0n, parts: new Set(steps.map((x) => x[0])) };
  };
  const finish = (c: Client, ok: boolean): void => {
    clients = clients.filter((x) => x !== c);
    if (!ok) sim.rollback(c.txn);
    else {
      if (c.kind === 'reader') {
        assert.equal(c.sum, total, `${ctx}: a SUM across partitions saw money in flight`);
        reads++;
      }
      sim.commit(c.txn);
    }
  };
  const advance = (c: Client): void => {
    const [p, acct, delta, op] = c.steps[c.at]!;
    let res: bigint | 'ok' | 'waiting' | HeliosError;
    if (c.parked) {
      const w = sim.wakeups.get(c.txn);
      if (!w) return;
      sim.wakeups.delete(c.txn);
      c.parked = false;
      res = w.error ?? (op === 'r' ? sim.sumOf(c.txn, p) : sim.applyWrite(c.txn, p, acct, delta));
    } else {
      res = op === 'r' ? sim.scanSum(c.txn, p) : sim.write(c.txn, p, acct, delta);
    }
    if (res === 'waiting') c.parked = true;
    else if (res instanceof HeliosError) {
      assert.ok(res.code === 'SERIALIZATION_FAILURE' || res.code === 'TX_NOT_FOUND', `${ctx}: unexpected ${res.code}: ${res.message}`);
      finish(c, false);
    } else {
      if (typeof res === 'bigint') c.sum += res;
      if (++c.at === c.steps.length) finish(c, true);
    }
  };

  for (let i = 0; i < steps; i++) {
    const x = r();
    if (x < 0.3) {
      if (clients.length < 4) clients.push(newClient());
      else advance(clients[pick(clients.length)]!);
    } else if (x < 0.55) {
      if (clients.length > 0) advance(clients[pick(clients.length)]!);
    } else if (x < 0.75) sim.deliverToShard(pick(shards), 1 + pick(3));
    else if (x < 0.9) sim.deliverToCoord(1 + pick(3));
    else if (x < 0.985) sim.tick(pick(120));
    else if (x < 0.993) {
      crashes++;
      // The clients of open transactions see UNAVAILABLE; their transactions die with the process.
      sim.crashProcess();
      clients = [];
    } else {
      crashes++;
      const dead = pick(shards);
      sim.crashShard(dead);
      // Statements in flight on the dead shard fail (UNAVAILABLE); the other clients carry on, and
      // those whose sessions were lost with the shard get TX_NOT_FOUND at their next statement.
      for (const c of [...clients]) if (c.parked && c.steps[c.at]![0] % shards === dead) finish(c, false);
    }
  }
  for (const c of [...clients]) finish(c, false);
  for (let k = 0; k < 20; k++) {
    sim.settle();
    sim.tick(1000);
  }
  sim.settle();
  check(sim);
  let committed = 0;
  let aborted = 0;
  for (const o of sim.outcomes.values()) o.committed ? committed++ : aborted++;
  return { committed, aborted, reads, crashes };
}

test('randomized bank transfers across shards with crashes: all-or-nothing, no acknowledged commit lost, SUM never sees money in flight', () => {
  const base = seedFrom('txn bank simulation');
  const steps = Number(process.env['HELIOS_TXN_STEPS'] ?? 1500);
  const totals = { committed: 0, aborted: 0, reads: 0, crashes: 0 };
  for (let k = 0; k < 6; k++) {
    const s = run((base + k * 7919) >>> 0, steps);
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += s[key];
  }
  console.log(`# bank simulation: ${JSON.stringify(totals)}`);
  assert.ok(totals.committed > 50, `too few commits to mean anything: ${JSON.stringify(totals)}`);
  assert.ok(totals.crashes > 0 && totals.reads > 0, JSON.stringify(totals));
});
