/**
 * The coordinator's sessions: routing begins a transaction once per shard with the backstop
 * timeout, commit picks one phase or two, a shard restart loses the sessions begun there (and
 * aborts their other partitions), idle sessions are rolled back, unknown ones are TX_NOT_FOUND.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeliosError } from '../../src/errors.js';
import { TwoPhaseCommit, TxnIdAllocator, TxnSessions } from '../../src/coordinator/txn/index.js';

function make(): TxnSessions {
  return new TxnSessions({
    ids: new TxnIdAllocator(1),
    twoPc: new TwoPhaseCommit({ voteTimeoutMs: 100, resendMs: 50 }),
    shardOf: (p) => p % 2,
    defaultTimeoutMs: 1000,
    shardTimeoutMarginMs: 500,
  });
}
const notFound = (e: unknown): boolean => e instanceof HeliosError && e.code === 'TX_NOT_FOUND';

test('routing begins once per shard, with the client timeout plus the margin', () => {
  const s = make();
  const t = s.begin(0, 2000);
  assert.deepEqual(s.route(t, [0, 2], 1), [
    { partition: 0, shard: 0, begin: { ts: t, idleTimeoutMs: 2500 } },
    { partition: 2, shard: 0, begin: null },
  ]);
  assert.deepEqual(s.route(t, [1], 2), [{ partition: 1, shard: 1, begin: { ts: t, idleTimeoutMs: 2500 } }]);
  const plan = s.commit(t, 3);
  assert.equal(plan.kind, 'two-phase');
  assert.deepEqual(plan.kind === 'two-phase' && plan.partitions, [0, 1, 2]);
  assert.throws(() => s.route(t, [0], 4), notFound, 'two-phase commit owns it now');
});

test('commit: nothing touched ends at once; one partition commits in one phase', () => {
  const s = make();
  assert.deepEqual(s.commit(s.begin(0), 0), { kind: 'empty' });
  const t = s.begin(0);
  s.route(t, [3], 0);
  assert.deepEqual(s.commit(t, 1), { kind: 'one-phase', partition: 3, shard: 1 });
  assert.deepEqual(s.tick(1e9).expired, [], 'a committing session never idles out');
  s.end(t);
  assert.equal(s.size, 0);
});

test('a shard restart loses the sessions begun there and aborts their other partitions', () => {
  const s = make();
  const a = s.begin(0);
  const b = s.begin(0);
  s.route(a, [0, 1], 0);
  s.route(b, [1], 0);
  const r = s.shardRestarted(0, [0, 2], 5);
  assert.deepEqual(r.lost, [a]);
  assert.deepEqual(r.effects, [
    { kind: 'send', msg: { kind: 'abort', txn: a, partition: 0 } },
    { kind: 'send', msg: { kind: 'abort', txn: a, partition: 1 } },
  ]);
  assert.throws(() => s.route(a, [1], 6), notFound);
  assert.equal(s.route(b, [3], 6).length, 1, 'a session that never touched shard 0 lives on');
});

test('idle sessions are rolled back everywhere; later calls get TX_NOT_FOUND', () => {
  const s = make();
  const t = s.begin(0);
  s.route(t, [0], 10);
  assert.deepEqual(s.tick(1009).expired, []);
  const r = s.tick(1010);
  assert.deepEqual(r.expired, [t]);
  assert.deepEqual(r.effects, [{ kind: 'send', msg: { kind: 'abort', txn: t, partition: 0 } }]);
  assert.throws(() => s.commit(t, 1011), notFound);
  assert.throws(() => s.rollback(t), notFound);
});

test("a retry keeps the first attempt's wait-die age, so it cannot starve", () => {
  const s = make();
  const first = s.begin(0);
  const age = s.ageOf(first);
  s.rollback(first);
  const younger = s.begin(0);
  const retry = s.begin(0, undefined, age);
  assert.ok(retry > younger, 'a new id');
  const [step] = s.route(retry, [0], 1);
  assert.equal(step!.begin!.ts, first, 'but the old age: older than every transaction begun since');
  assert.ok(step!.begin!.ts < younger);
});
