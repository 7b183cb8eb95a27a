import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardActor } from '../../src/shard/shard-actor.js';
import { FrameKind, decodeJson, type ShardStatus } from '../../src/shard/protocol.js';
import { createStatsBlock, ShardStatsRow } from '../../src/shard/stats-block.js';
import type { ErrorData } from '../../src/errors.js';

function actor(now: () => number) {
  const stats = new ShardStatsRow(createStatsBlock(2), 1);
  return { stats, a: new ShardActor({ shard: 1, partitions: [1, 3], stats, now, kernels: 'none' }) };
}
const frame = (kind: number, payload = new Uint8Array(0)) => ({ header: { requestId: 7, kind, txnId: 0n, statementId: 0, flags: 0 }, payload });

test('Status reports the shard, its partitions and its uptime from the injected clock', () => {
  let t = 1000;
  const { a, stats } = actor(() => t);
  t = 1250;
  stats.set('framesProcessed', 3);
  const r = a.handle(frame(FrameKind.Status));
  assert.equal(r.kind, FrameKind.Ok);
  const s = decodeJson<ShardStatus>(r.payload);
  assert.deepEqual(s, { shard: 1, partitions: [1, 3], uptimeMs: 250, framesProcessed: 3, lastBatchSize: 0, kernels: 'none' });
});

test('Echo copies the payload (the ring view is reused after the batch)', () => {
  const { a } = actor(() => 0);
  const input = new Uint8Array([1, 2, 3]);
  const r = a.handle(frame(FrameKind.Echo, input));
  input[0] = 9;
  assert.deepEqual([...r.payload], [1, 2, 3]);
});

test('unknown kinds and fragments on a shard without SQL engines become Error replies, never throws', () => {
  const { a } = actor(() => 0);
  for (const kind of [999, FrameKind.Fragment]) {
    const r = a.handle(frame(kind));
    assert.equal(r.kind, FrameKind.Error);
    assert.equal(decodeJson<ErrorData>(r.payload).code, 'INTERNAL');
  }
});

test('Shutdown marks the actor stopping', () => {
  const { a } = actor(() => 0);
  assert.equal(a.stopping, false);
  assert.equal(a.handle(frame(FrameKind.Shutdown)).kind, FrameKind.Ok);
  assert.equal(a.stopping, true);
});
