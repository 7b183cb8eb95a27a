/**
 * A caller's deadline reaches the fragments sent for it: the ring executor waits at most the time
 * left (work ops), refuses work whose deadline already passed, and lets phase-two messages
 * (COMMIT/ABORT) finish whatever the deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingExecutor } from '../../src/coordinator/ring-executor.js';
import { callContext } from '../../src/coordinator/call-context.js';
import type { ShardClient } from '../../src/coordinator/shard-client.js';
import { encodeWire } from '../../src/shard/fragment-protocol.js';

function fakeShard(seen: number[], opts: { callerDeadline?: boolean; signal?: AbortSignal }[] = []): ShardClient {
  return {
    request: async (_kind: number, _payload: Uint8Array, o: { timeoutMs?: number; callerDeadline?: boolean; signal?: AbortSignal }) => {
      seen.push(o.timeoutMs ?? -1);
      opts.push(o);
      return encodeWire([]);
    },
  } as unknown as ShardClient;
}

test('fragments wait at most the caller\'s time left; commit and abort are never cut short', async () => {
  const seen: number[] = [];
  const ex = new RingExecutor([fakeShard(seen)], 4, 30_000);
  await ex.call({ op: 'run', p: 1, stmts: [] });
  assert.equal(seen.pop(), 30_000, 'no deadline: the executor default');
  const cx200 = callContext({ timeoutMs: 200 });
  await ex.call({ op: 'scan', p: 2, table: 't' }, cx200);
  const left = seen.pop()!;
  assert.ok(left > 0 && left <= 200, `a scan waits the time left (${left} ms)`);
  await ex.call({ op: 'commit', p: 2, tx: 'tx1' }, cx200);
  assert.equal(seen.pop(), 30_000, 'COMMIT finishes whatever the deadline');
  const cx5 = callContext({ timeoutMs: 5 });
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(ex.call({ op: 'run', p: 0, stmts: [] }, cx5), (e: Error & { code?: string }) => e.code === 'DEADLINE_EXCEEDED' && /deadline passed/.test(e.message));
  await ex.call({ op: 'abort', p: 0, tx: 'tx2' }, cx5);
  assert.equal(seen.pop(), 30_000, 'ABORT still goes out after the deadline');
});

test('a cancelled call: work is refused or carries the signal (the shard client stops it); COMMIT/ABORT never carry it', async () => {
  const seen: number[] = [];
  const opts: { callerDeadline?: boolean; signal?: AbortSignal }[] = [];
  const ex = new RingExecutor([fakeShard(seen, opts)], 4, 30_000);
  const ac = new AbortController();
  const cx = callContext({ timeoutMs: 1000, signal: ac.signal });
  await ex.call({ op: 'run', p: 1, stmts: [] }, cx);
  assert.equal(opts.pop()!.signal, ac.signal, 'work carries the signal');
  ac.abort();
  await assert.rejects(ex.call({ op: 'scan', p: 2, table: 't' }, cx), (e: Error & { code?: string }) => e.code === 'CANCELLED');
  await ex.call({ op: 'abort', p: 2, tx: 'tx3' }, cx);
  const o = opts.pop()!;
  assert.equal(o.signal, undefined, 'ABORT is never cancelled');
  assert.equal(o.callerDeadline, undefined);
  await ex.call({ op: 'run', p: 1, stmts: [] }, callContext({ timeoutMs: 200 }));
  assert.equal(opts.pop()!.callerDeadline, true, 'a timeout from the caller\'s deadline fails as DEADLINE_EXCEEDED');
});
