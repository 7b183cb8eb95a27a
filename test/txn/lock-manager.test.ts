/**
 * The lock manager on its own: the compatibility matrix, FIFO queues and upgrades, parked plans,
 * wait-die and cycle detection, timeouts, and the three anomalies strict 2PL must prevent — lost
 * update, write skew and phantoms — each as two interleaved transactions over a tiny key-value
 * model, where one side must wait or fail with SERIALIZATION_FAILURE and the end state must be
 * one a serial order gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeliosError } from '../../src/errors.js';
import { compatible, LockManager, lockPlans, rowResource, supremum, tableResource, txnId, type AcquireResult, type LockMode, type LockStep, type TxnId } from '../../src/coordinator/txn/index.js';
import { rng, seedFrom } from '../storage/helpers.js';

const P = 0;
const T = 1;
const T1 = txnId(1);
const T2 = txnId(2);
const T3 = txnId(3);
const T4 = txnId(4);

function lm(policy: 'wait-die' | 'detect' = 'wait-die'): LockManager {
  return new LockManager({ policy, lockWaitTimeoutMs: 100, idleTimeoutMs: 1000 });
}
function status(r: AcquireResult): string {
  return r.status === 'failed' ? `failed ${r.error.code}` : r.status;
}

test('compatibility matrix is the standard multiple-granularity one, symmetric', () => {
  const modes: LockMode[] = ['IS', 'IX', 'S', 'SIX', 'X'];
  const expect = ['yyyyn', 'yynnn', 'ynynn', 'ynnnn', 'nnnnn'];
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      assert.equal(compatible(modes[i]!, modes[j]!), expect[i]![j] === 'y', `${modes[i]} vs ${modes[j]}`);
      assert.equal(compatible(modes[i]!, modes[j]!), compatible(modes[j]!, modes[i]!));
    }
  }
  assert.equal(supremum('S', 'IX'), 'SIX');
  assert.equal(supremum('IS', 'X'), 'X');
  assert.equal(supremum('IX', 'IS'), 'IX');
});

/** A tiny store under the lock manager: read-modify-write of integer cells. */
class Model {
  readonly data = new Map<bigint, number>();
  readonly locks = lm();
  read(t: TxnId, row: bigint, now = 0): number | 'waiting' | HeliosError {
    const r = this.locks.acquire(t, lockPlans.pointRead(P, T, row), now);
    if (r.status === 'failed') return r.error;
    return r.status === 'waiting' ? 'waiting' : (this.data.get(row) ?? 0);
  }
  lockWrite(t: TxnId, row: bigint, now = 0): AcquireResult {
    return this.locks.acquire(t, lockPlans.pointWrite(P, T, row), now);
  }
}

test('lost update is prevented: two read-modify-writes of one row serialize', () => {
  const m = new Model();
  m.data.set(1n, 100);
  m.locks.begin(T1, 0);
  m.locks.begin(T2, 0);
  const a = m.read(T1, 1n) as number;
  const b = m.read(T2, 1n) as number;
  assert.equal(a, 100);
  assert.equal(b, 100);
  // T1 (older) must wait for T2's S lock; T2 (younger) would wait for older T1: it dies.
  assert.equal(status(m.lockWrite(T1, 1n)), 'waiting');
  const r2 = m.lockWrite(T2, 1n);
  assert.equal(status(r2), 'failed SERIALIZATION_FAILURE');
  assert.equal((r2 as { error: HeliosError }).error.retryable, true);
  // T2 aborts (nothing written); its release wakes T1, which writes and commits.
  assert.deepEqual(m.locks.releaseAll(T2), [{ txn: T1 }]);
  m.data.set(1n, a + 10);
  m.locks.releaseAll(T1);
  // The client retries T2 as T3: it sees T1's write.
  m.locks.begin(T3, 0);
  const c = m.read(T3, 1n) as number;
  assert.equal(status(m.lockWrite(T3, 1n)), 'granted');
  m.data.set(1n, c + 10);
  m.locks.releaseAll(T3);
  assert.equal(m.data.get(1n), 120);
  m.locks.check();
});

test('write skew is prevented: two on-call doctors cannot both go off call', () => {
  const m = new Model();
  m.data.set(1n, 1); // alice on call
  m.data.set(2n, 1); // bob on call
  m.locks.begin(T1, 0);
  m.locks.begin(T2, 0);
  // Each checks that two doctors are on call...
  assert.equal((m.read(T1, 1n) as number) + (m.read(T1, 2n) as number), 2);
  assert.equal((m.read(T2, 1n) as number) + (m.read(T2, 2n) as number), 2);
  // ...then takes itself off: T1 waits for T2's read lock, T2 dies instead of waiting for T1.
  assert.equal(status(m.lockWrite(T1, 1n)), 'waiting');
  assert.equal(status(m.lockWrite(T2, 2n)), 'failed SERIALIZATION_FAILURE');
  assert.deepEqual(m.locks.releaseAll(T2), [{ txn: T1 }]);
  m.data.set(1n, 0);
  m.locks.releaseAll(T1);
  // T2's retry now sees only one doctor on call and keeps bob on.
  m.locks.begin(T3, 0);
  assert.equal((m.read(T3, 1n) as number) + (m.read(T3, 2n) as number), 1);
  m.locks.releaseAll(T3);
  assert.equal([...m.data.values()].reduce((x, y) => x + y), 1);
});

test('phantoms are prevented: an insert into a scanned table waits for (or dies against) the scan', () => {
  const l = lm();
  // Older scanner, younger inserter: the insert dies.
  l.begin(T1, 0);
  l.begin(T2, 0);
  assert.equal(status(l.acquire(T1, lockPlans.scan(P, T), 0)), 'granted');
  assert.equal(status(l.acquire(T2, lockPlans.pointWrite(P, T, 99n), 0)), 'failed SERIALIZATION_FAILURE');
  assert.equal(l.mode(T2, rowResource(P, T, 99n)), undefined, 'the dead insert holds no row lock');
  l.releaseAll(T1);
  l.releaseAll(T2);
  // Older inserter, younger scanner that scanned first: the insert waits until the scan commits.
  l.begin(T3, 0);
  l.begin(T4, 0);
  assert.equal(status(l.acquire(T4, lockPlans.scan(P, T), 0)), 'granted');
  assert.equal(status(l.acquire(T3, lockPlans.pointWrite(P, T, 99n), 0)), 'waiting');
  assert.deepEqual(l.releaseAll(T4), [{ txn: T3 }]);
  assert.equal(l.mode(T3, rowResource(P, T, 99n)), 'X');
  // And a scan of a table with an uncommitted insert: the (younger) scanner dies, never reads it.
  const t5 = txnId(5);
  l.begin(t5, 0);
  assert.equal(status(l.acquire(t5, lockPlans.scan(P, T), 0)), 'failed SERIALIZATION_FAILURE');
  l.releaseAll(T3);
  l.check();
});

test('a point read of a missing row locks the rowid, so a phantom insert of it conflicts', () => {
  const l = lm();
  l.begin(T1, 0);
  l.begin(T2, 0);
  assert.equal(status(l.acquire(T1, lockPlans.pointRead(P, T, 7n), 0)), 'granted');
  assert.equal(status(l.acquire(T2, lockPlans.pointWrite(P, T, 7n), 0)), 'failed SERIALIZATION_FAILURE');
  assert.equal(status(l.acquire(T2, lockPlans.pointWrite(P, T, 8n), 0)), 'granted', 'another rowid is free');
});

test('upgrades: a sole holder upgrades at once; S then IX becomes SIX; upgrades queue ahead of new requests', () => {
  const l = lm();
  l.begin(T1, 0);
  l.begin(T2, 0);
  l.begin(T3, 0);
  assert.equal(status(l.acquire(T1, lockPlans.scan(P, T), 0)), 'granted');
  assert.equal(status(l.acquire(T1, lockPlans.pointWrite(P, T, 1n), 0)), 'granted');
  assert.equal(l.mode(T1, tableResource(P, T)), 'SIX');
  l.releaseAll(T1);
  l.begin(T1, 0);
  const row = rowResource(P, T, 5n);
  assert.equal(status(l.acquire(T1, { resource: row, mode: 'S' }, 0)), 'granted');
  assert.equal(status(l.acquire(T2, { resource: row, mode: 'S' }, 0)), 'granted');
  assert.equal(status(l.acquire(T3, { resource: row, mode: 'S' }, 0)), 'granted');
  // T1 (oldest) upgrades: waits for T2 and T3; T2's upgrade would wait for older T1: dies.
  assert.equal(status(l.acquire(T1, { resource: row, mode: 'X' }, 0)), 'waiting');
  assert.deepEqual(l.waitsFor(T1), [T2, T3]);
  assert.equal(status(l.acquire(T2, { resource: row, mode: 'X' }, 0)), 'failed SERIALIZATION_FAILURE');
  assert.deepEqual(l.releaseAll(T2), []);
  assert.deepEqual(l.releaseAll(T3), [{ txn: T1 }]);
  assert.equal(l.mode(T1, row), 'X');
  l.check();
});

test('FIFO: waiters are granted in order, compatible ones together, and nobody barges past an incompatible waiter', () => {
  const l = lm();
  const row = rowResource(P, T, 1n);
  const [a, b, c, d] = [txnId(40), txnId(30), txnId(20), txnId(10)]; // a youngest, d oldest: all may wait for a
  for (const t of [a, b, c, d]) l.begin(t, 0);
  assert.equal(status(l.acquire(a, { resource: row, mode: 'X' }, 0)), 'granted');
  assert.equal(status(l.acquire(b, { resource: row, mode: 'S' }, 0)), 'waiting');
  assert.equal(status(l.acquire(c, { resource: row, mode: 'X' }, 0)), 'waiting');
  assert.equal(status(l.acquire(d, { resource: row, mode: 'S' }, 0)), 'waiting', 'S must not pass the queued X');
  assert.deepEqual(l.releaseAll(a), [{ txn: b }]);
  assert.deepEqual(l.releaseAll(b), [{ txn: c }]);
  assert.deepEqual(l.releaseAll(c), [{ txn: d }]);
  l.releaseAll(d);
  assert.deepEqual(l.stats(), { transactions: 0, resources: 0, waiting: 0 });
});

test('a parked plan resumes after the release and only wakes when all of it is granted (or failed)', () => {
  const l = lm();
  l.begin(T1, 0);
  l.begin(T2, 0);
  l.begin(T3, 0);
  assert.equal(status(l.acquire(T2, lockPlans.pointWrite(P, T, 1n), 0)), 'granted');
  assert.equal(status(l.acquire(T3, lockPlans.pointWrite(P, T, 2n), 0)), 'granted');
  // T1 (oldest) wants rows 1 and 2: parks on row 1.
  assert.equal(status(l.acquire(T1, [...lockPlans.pointWrite(P, T, 1n), { resource: rowResource(P, T, 2n), mode: 'X' }], 0)), 'waiting');
  assert.deepEqual(l.releaseAll(T2), [], 'row 1 granted, but the plan now waits on row 2');
  assert.ok(l.isWaiting(T1));
  assert.throws(() => l.acquire(T1, lockPlans.scan(P, T), 0), /already waiting/, 'one statement in flight per transaction');
  assert.deepEqual(l.releaseAll(T3), [{ txn: T1 }]);
  assert.equal(l.mode(T1, rowResource(P, T, 2n)), 'X');
});

test('detect policy: a cycle on this shard fails the requester that would close it', () => {
  const l = lm('detect');
  const r1 = rowResource(P, T, 1n);
  const r2 = rowResource(P, T, 2n);
  l.begin(T1, 0);
  l.begin(T2, 0);
  assert.equal(status(l.acquire(T1, { resource: r1, mode: 'X' }, 0)), 'granted');
  assert.equal(status(l.acquire(T2, { resource: r2, mode: 'X' }, 0)), 'granted');
  assert.equal(status(l.acquire(T2, { resource: r1, mode: 'X' }, 0)), 'waiting', 'younger may wait under detect');
  const r = l.acquire(T1, { resource: r2, mode: 'X' }, 0);
  assert.equal(status(r), 'failed SERIALIZATION_FAILURE');
  assert.match((r as { error: HeliosError }).error.message, /deadlock/);
  assert.deepEqual(l.releaseAll(T1), [{ txn: T2 }]);
  l.check();
});

test('lock-wait timeout cancels the wait; idle timeout reports a silent transaction once, never a PREPAREd one', () => {
  const l = lm();
  const row = rowResource(P, T, 1n);
  l.begin(T1, 0);
  l.begin(T2, 0);
  l.begin(T3, 0);
  assert.equal(status(l.acquire(T2, { resource: row, mode: 'X' }, 0)), 'granted');
  assert.equal(status(l.acquire(T1, { resource: row, mode: 'X' }, 10)), 'waiting');
  l.markPrepared(T2);
  assert.deepEqual(l.tick(50).expired, []);
  const t = l.tick(110);
  assert.deepEqual(t.expired.map((x) => [x.txn, x.reason, x.error.code]), [[T1, 'lock-wait', 'SERIALIZATION_FAILURE']]);
  assert.equal(l.isWaiting(T1), false);
  assert.equal(status(l.acquire(T1, { resource: row, mode: 'S' }, 120)), 'failed TX_NOT_FOUND');
  l.releaseAll(T1);
  const idle = l.tick(2000).expired;
  assert.deepEqual(idle.map((x) => [x.txn, x.reason, x.error.code]), [[T3, 'idle', 'TX_NOT_FOUND']], 'T2 is prepared: exempt');
  assert.deepEqual(l.tick(3000).expired, [], 'reported once');
  // A per-transaction idle timeout (the client's timeout_ms plus a margin) overrides the default.
  l.begin(T4, 3000, T4, 60_000);
  assert.deepEqual(l.tick(3000 + 59_999).expired, []);
  assert.deepEqual(l.tick(3000 + 60_000).expired.map((x) => x.txn), [T4]);
});

test('a transaction that waited long is not idle-expired right after its wakeup', () => {
  const l = new LockManager({ lockWaitTimeoutMs: 10_000, idleTimeoutMs: 1000 });
  const row = rowResource(P, T, 1n);
  l.begin(T1, 0);
  l.begin(T2, 0);
  assert.equal(status(l.acquire(T2, { resource: row, mode: 'X' }, 0)), 'granted');
  assert.equal(status(l.acquire(T1, { resource: row, mode: 'X' }, 0)), 'waiting');
  l.touch(T2, 5000);
  assert.deepEqual(l.tick(5000).expired, []);
  assert.deepEqual(l.releaseAll(T2), [{ txn: T1 }]);
  assert.deepEqual(l.tick(5001).expired, [], 'the idle clock restarts at the wakeup');
  assert.deepEqual(l.tick(6001).expired.map((x) => [x.txn, x.reason]), [[T1, 'idle']]);
});

for (const policy of ['wait-die', 'detect'] as const) test(`randomized ${policy}: invariants hold, no wait cycle ever forms, every wait ends`, () => {
  const seed = seedFrom(`lock-manager ${policy}`);
  const r = rng(seed);
  const l = lm(policy);
  const open: TxnId[] = [];
  const waiting = new Set<TxnId>();
  let next = 1;
  const modes: LockMode[] = ['IS', 'IX', 'S', 'SIX', 'X'];
  const anons: LockStep[][] = [];
  for (let step = 0; step < 4000; step++) {
    const x = r();
    if (x >= 0.9) {
      // Anonymous holders (the router's point fast path): all or nothing, never waiting.
      if (anons.length > 0 && r() < 0.5) {
        for (const w of l.releaseAnonymous(anons.splice(Math.floor(r() * anons.length), 1)[0]!)) waiting.delete(w.txn);
      } else {
        const row = BigInt(Math.floor(r() * 6));
        const plan: LockStep[] = [{ resource: tableResource(P, 1), mode: r() < 0.5 ? 'IS' : 'IX' }, { resource: rowResource(P, 1, row), mode: modes[Math.floor(r() * 5)]! }];
        const before = l.stats().resources;
        if (l.acquireAnonymous(plan)) anons.push(plan);
        else assert.equal(l.stats().resources, before, `seed ${seed}: a refused anonymous plan takes nothing`);
      }
    } else if (x < 0.2 || open.length === 0) {
      const t = txnId(next++);
      l.begin(t, step);
      open.push(t);
    } else {
      const t = open[Math.floor(r() * open.length)]!;
      if (x < 0.4 || waiting.has(t)) {
        // commit or abort (a waiting transaction can only be aborted, e.g. by its client going away)
        for (const w of l.releaseAll(t)) waiting.delete(w.txn);
        waiting.delete(t);
        open.splice(open.indexOf(t), 1);
      } else {
        const res = r() < 0.3 ? tableResource(P, Math.floor(r() * 3)) : rowResource(P, 1, BigInt(Math.floor(r() * 6)));
        const a = l.acquire(t, { resource: res, mode: modes[Math.floor(r() * 5)]! }, step);
        if (a.status === 'waiting') waiting.add(t);
        if (a.status === 'failed') {
          for (const w of l.releaseAll(t)) waiting.delete(w.txn);
          open.splice(open.indexOf(t), 1);
        }
      }
    }
    l.check();
    for (const t of waiting) assert.ok(l.isWaiting(t), `seed ${seed}: ${t} should still wait`);
  }
  for (const plan of anons) for (const w of l.releaseAnonymous(plan)) waiting.delete(w.txn);
  for (const t of [...open]) for (const w of l.releaseAll(t)) waiting.delete(w.txn);
  assert.deepEqual(l.stats(), { transactions: 0, resources: 0, waiting: 0 }, `seed ${seed}`);
});

test('anonymous holders: counted like named ones, never queued, and their release wakes waiters', () => {
  const l = lm('detect');
  const row = rowResource(P, 1, 7n);
  const read: LockStep[] = [{ resource: tableResource(P, 1), mode: 'IS' }, { resource: row, mode: 'S' }];
  assert.equal(l.acquireAnonymous(read), true);
  assert.equal(l.acquireAnonymous(read), true, 'S with S');
  l.begin(T1, 0);
  assert.deepEqual(l.acquire(T1, [{ resource: tableResource(P, 1), mode: 'IX' }, { resource: row, mode: 'X' }], 0), { status: 'waiting' }, 'a writer waits for the anonymous readers');
  assert.equal(l.acquireAnonymous(read), false, 'a new reader does not pass the waiting writer (FIFO)');
  assert.deepEqual(l.waitsFor(T1), [], 'anonymous holders are on no wait-for edge: they never wait');
  assert.deepEqual(l.releaseAnonymous(read), []);
  assert.deepEqual(l.releaseAnonymous(read), [{ txn: T1 }], 'the last reader out wakes the writer');
  assert.equal(l.acquireAnonymous([{ resource: tableResource(P, 1), mode: 'IS' }, { resource: rowResource(P, 1, 8n), mode: 'S' }]), true, 'another row of the table is free');
  assert.equal(l.acquireAnonymous([{ resource: tableResource(P, 1), mode: 'S' }]), false, 'a table read waits for the IX writer');
  assert.throws(() => l.releaseAnonymous([{ resource: tableResource(P, 1), mode: 'S' }]), /no anonymous S/);
});
