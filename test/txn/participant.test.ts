/**
 * The participant over a real paged partition (MemoryFileIO): votes, idempotent resolution,
 * protocol bugs that must assert, the one-phase fast path, and in-doubt recovery with its fence
 * (two in-doubt transactions in one partition share it; it drops with the last one resolved).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeliosError } from '../../src/errors.js';
import { LockManager, lockPlans, Participant, partitionResource, txnId, type TxnId } from '../../src/shard/txn/index.js';
import { createBufferPool, MemoryFileIO, openPartition, type Partition } from '../../src/storage/index.js';
import { rng } from '../storage/helpers.js';

const TBL = 1;

function node(io: MemoryFileIO, fresh: boolean): { part: Partition; p: Participant } {
  const part = openPartition(0, { dir: '/d', walMode: 'sync', fileIO: io }, createBufferPool({ bytes: 2 << 20 }));
  if (fresh) {
    const t = part.begin();
    t.createTable({ id: TBL, columns: ['integer'] });
    for (let i = 1n; i <= 4n; i++) t.insert(TBL, i, [0n]);
    t.commit();
    part.sync();
  }
  const p = new Participant({ shard: 0, partitions: new Map([[0, part]]), locks: new LockManager({ lockWaitTimeoutMs: 1000, idleTimeoutMs: 10_000, verify: true }) });
  return { part, p };
}

function write(p: Participant, t: TxnId, row: bigint, v: bigint): void {
  if (!p.isOpen(t)) p.begin(t, 0);
  assert.equal(p.lock(t, lockPlans.pointWrite(0, TBL, row), 0).status, 'granted');
  p.storage(t, 0).update(TBL, row, [v]);
}

const valueOf = (part: Partition, row: bigint): bigint => {
  const t = part.begin();
  const v = t.get(TBL, row)![0] as bigint;
  t.abort();
  return v;
};

test('votes: a reader votes read-only and frees its locks at once; a writer votes yes and keeps them', () => {
  const { p } = node(new MemoryFileIO(), true);
  const r = txnId(1);
  const w = txnId(2);
  p.begin(r, 0);
  assert.equal(p.lock(r, lockPlans.pointRead(0, TBL, 1n), 0).status, 'granted');
  p.storage(r, 0).get(TBL, 1n);
  write(p, w, 2n, 5n);
  assert.deepEqual(p.step({ kind: 'prepare', txn: r, partition: 0 }, 1).out, [{ kind: 'vote', txn: r, partition: 0, vote: 'read-only' }]);
  assert.equal(p.isOpen(r), false);
  assert.deepEqual(p.step({ kind: 'prepare', txn: w, partition: 0 }, 1).out, [{ kind: 'vote', txn: w, partition: 0, vote: 'yes' }]);
  assert.deepEqual(p.step({ kind: 'prepare', txn: w, partition: 0 }, 2).out[0], { kind: 'vote', txn: w, partition: 0, vote: 'yes' }, 'a resent PREPARE gets the same vote');
  assert.equal(p.locks.mode(w, partitionResource(0)), 'IX', 'a prepared writer keeps its locks');
  assert.throws(() => p.abort(w), /only its coordinator may abort it/);
  assert.deepEqual(p.tick(1e9).aborted, [], 'a prepared transaction never idles out');
  assert.deepEqual(p.step({ kind: 'prepare', txn: txnId(99), partition: 0 }, 2).out[0], { kind: 'vote', txn: txnId(99), partition: 0, vote: 'no' }, 'unknown (timed out, restarted) votes no');
});

test('COMMIT and ABORT are idempotent; a COMMIT without a yes vote is a bug', () => {
  const { part, p } = node(new MemoryFileIO(), true);
  const w = txnId(1);
  write(p, w, 1n, 7n);
  p.step({ kind: 'prepare', txn: w, partition: 0 }, 0);
  assert.deepEqual(p.step({ kind: 'commit', txn: w, partition: 0 }, 0).out, [{ kind: 'ack', txn: w, partition: 0 }]);
  assert.deepEqual(p.step({ kind: 'commit', txn: w, partition: 0 }, 0).out, [{ kind: 'ack', txn: w, partition: 0 }]);
  assert.deepEqual(p.step({ kind: 'abort', txn: w, partition: 0 }, 0).out, [{ kind: 'ack', txn: w, partition: 0 }], 'a late abort of a forgotten transaction changes nothing');
  assert.equal(valueOf(part, 1n), 7n);
  const v = txnId(2);
  write(p, v, 2n, 9n);
  assert.throws(() => p.step({ kind: 'commit', txn: v, partition: 0 }, 0), (e: HeliosError) => e.code === 'INTERNAL' && /never voted yes/.test(e.message));
  p.step({ kind: 'abort', txn: v, partition: 0 }, 0);
  assert.equal(valueOf(part, 2n), 0n, 'the abort undid the write');
});

test('one-phase commit: one written partition commits alone; statements after a timeout get TX_NOT_FOUND', () => {
  const { part, p } = node(new MemoryFileIO(), true);
  const t = txnId(1);
  write(p, t, 3n, 11n);
  const { lsn } = p.commitOnePhase(t);
  assert.ok(lsn > 0n);
  part.sync();
  assert.equal(valueOf(part, 3n), 11n);
  const u = txnId(2);
  write(p, u, 4n, 1n);
  const r = p.tick(20_000);
  assert.deepEqual(r.aborted.map((x) => [x.txn, x.error.code]), [[u, 'TX_NOT_FOUND']]);
  assert.equal(valueOf(part, 4n), 0n, 'the idle transaction was rolled back');
  assert.throws(() => p.storage(u, 0), (e: HeliosError) => e.code === 'TX_NOT_FOUND');
});

test('recovery: in-doubt transactions fence their partition until the last is resolved, with their writes kept', () => {
  const io = new MemoryFileIO();
  {
    const { p } = node(io, true);
    for (const [t, row] of [[txnId(1), 1n], [txnId(2), 2n]] as const) {
      write(p, t, row, 50n);
      p.step({ kind: 'prepare', txn: t, partition: 0 }, 0);
    }
    io.powerLoss(rng(7)); // the process dies; both PREPAREs were fdatasync'ed
  }
  const { part, p } = node(io, false);
  const rec = p.recover(0);
  assert.deepEqual(rec.out.map((m) => [m.kind, m.txn]).sort(), [['inquire', txnId(1)], ['inquire', txnId(2)]]);
  assert.deepEqual(p.inDoubt().sort(), [txnId(1), txnId(2)]);
  const n = txnId(10);
  p.begin(n, 0);
  assert.equal(p.lock(n, lockPlans.pointRead(0, TBL, 3n), 0).status, 'waiting', 'the fence holds the whole partition');
  assert.deepEqual(p.step({ kind: 'commit', txn: txnId(1), partition: 0 }, 1).wakeups, [], 'one in-doubt transaction is still unresolved');
  assert.deepEqual(p.step({ kind: 'abort', txn: txnId(2), partition: 0 }, 1).wakeups, [{ txn: n }]);
  part.sync();
  assert.equal(valueOf(part, 1n), 50n, 'the committed in-doubt write is there');
  assert.equal(valueOf(part, 2n), 0n, 'the aborted one is gone');
  assert.deepEqual(p.inDoubt(), []);
});
