/**
 * The pure ring core (RingWriter / RingReader) on one thread, where interleavings are chosen by
 * a seeded PRNG: exactly-once, in-order, byte-exact delivery across many wrap-arounds, chunked
 * frames, header fidelity at the range limits, and the checks on bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import { createShardRings, CoordinatorPort, ShardPort } from '../../src/ring/index.js';
import { RingMemory } from '../../src/ring/layout.js';
import { RingReader } from '../../src/ring/ring-reader.js';
import { OutgoingFrame, RingWriter } from '../../src/ring/ring-writer.js';
import type { Frame, FrameHeader } from '../../src/ring/types.js';
import { frameSize, payloadFor, payloadMismatch, prng, testSeed } from './fixtures/prng.js';

const hdr = (i: number): FrameHeader => ({
  requestId: i >>> 0, kind: i & 0xffff, txnId: BigInt(i) * 1_000_003n, statementId: (i * 7) >>> 0, flags: (i * 3) & 0xffff,
});

test('random frames cross a 4 KiB ring exactly once, in order, across many wrap-arounds', () => {
  const rand = prng(testSeed('ring-core'));
  const rings = createShardRings(4096);
  const mem = new RingMemory(rings.request, 'request');
  const writer = new RingWriter(mem);
  const reader = new RingReader(mem);
  const total = 3000;
  let next = 0; // next frame to send
  let expect = 0; // next frame to receive
  let pending: OutgoingFrame | null = null;
  let bytes = 0;
  let chunked = 0;
  while (expect < total) {
    // Producer: a random number of frames, stopping at the first that does not fit.
    for (let k = Math.floor(rand() * 6); k > 0 && next < total; k--) {
      if (pending === null) {
        const size = frameSize(rand, mem.capacity);
        pending = new OutgoingFrame(hdr(next), payloadFor(next, size));
        if (size > mem.capacity >>> 2) chunked++;
      }
      if (!writer.writeFrame(pending)) break;
      bytes += pending.payload.length;
      pending = null;
      next++;
    }
    if (rand() < 0.8) writer.publish();
    // Consumer: drain what is published, check it, release (sometimes late).
    const out: Frame[] = [];
    reader.drain(out);
    for (const f of out) {
      assert.deepEqual(f.header, hdr(expect), `frame ${expect} header`);
      assert.equal(payloadMismatch(expect, f.payload), -1, `frame ${expect} payload (${f.payload.length} B)`);
      expect++;
    }
    if (rand() < 0.7 || out.length === 0) reader.release();
  }
  assert.equal(next, total);
  assert.equal(reader.hasData(), false, 'nothing left over');
  assert.ok(bytes > 40 * mem.capacity, `only ${bytes} bytes: too few wrap-arounds`);
  assert.ok(chunked > 50, `only ${chunked} chunked frames`);
});

test('a frame over the ring size needs the reader to release between chunks', () => {
  const rings = createShardRings(1024);
  const mem = new RingMemory(rings.request, 'request');
  const writer = new RingWriter(mem);
  const reader = new RingReader(mem);
  const f = new OutgoingFrame(hdr(9), payloadFor(9, 10_000));
  const out: Frame[] = [];
  let rounds = 0;
  while (!writer.writeFrame(f)) {
    writer.publish();
    assert.equal(reader.drain(out), 0, 'no frame before the last chunk');
    assert.equal(reader.midFrame, true);
    reader.release();
    rounds++;
  }
  writer.publish();
  assert.equal(reader.drain(out), 1);
  assert.ok(rounds >= 9, `10 KB through a 1 KiB ring in ${rounds} rounds`);
  assert.deepEqual(out[0]!.header, hdr(9));
  assert.equal(payloadMismatch(9, out[0]!.payload), -1);
  assert.equal(out[0]!.payload.buffer instanceof SharedArrayBuffer, false, 'a chunked payload is its own copy');
});

test('small payloads arrive as 8-aligned views into the ring (zero copies on receive)', () => {
  const rings = createShardRings(4096);
  const mem = new RingMemory(rings.request, 'request');
  const writer = new RingWriter(mem);
  const reader = new RingReader(mem);
  for (let i = 0; i < 20; i++) assert.ok(writer.tryWriteWhole(hdr(i), payloadFor(i, 1 + i * 3)), `frame ${i} fits`);
  writer.publish();
  const out: Frame[] = [];
  reader.drain(out);
  assert.equal(out.length, 20);
  for (const [i, f] of out.entries()) {
    assert.equal(payloadMismatch(i, f.payload), -1);
    assert.equal(f.payload.buffer, rings.request);
    assert.equal(f.payload.byteOffset % 8, 0);
  }
});

test('header fields survive FlatBuffers at their range limits', () => {
  const rings = createShardRings(4096);
  const coord = new CoordinatorPort(rings);
  const shard = new ShardPort(rings);
  const cases: FrameHeader[] = [
    { requestId: 0, kind: 0, txnId: 0n, statementId: 0, flags: 0 },
    { requestId: 0xffffffff, kind: 0xffff, txnId: (1n << 64n) - 1n, statementId: 0xffffffff, flags: 0xffff },
    { requestId: 1, kind: 2, txnId: 1n << 63n, statementId: 3, flags: 0x8000 },
  ];
  for (const h of cases) coord.send(h, new Uint8Array(0));
  // The coordinator publishes once per event-loop turn (setImmediate), so look after it.
  return new Promise((r) => setImmediate(r)).then(() => {
    const got = shard.receive(0);
    assert.deepEqual(got.map((f) => f.header), cases);
    assert.deepEqual(got.map((f) => f.payload.length), [0, 0, 0]);
    coord.close();
  });
});

test('bad headers, payloads, capacities and buffers are rejected with a HeliosError naming the problem', () => {
  const rings = createShardRings(4096);
  const coord = new CoordinatorPort(rings);
  const p = new Uint8Array(1);
  const bad: Array<[Partial<FrameHeader>, RegExp]> = [
    [{ requestId: -1 }, /requestId = -1 is not a u32/],
    [{ requestId: 2 ** 32 }, /requestId/],
    [{ kind: 0x10000 }, /kind = 65536 is not a u16/],
    [{ flags: 1.5 }, /flags/],
    [{ statementId: Number.NaN }, /statementId/],
    [{ txnId: -1n }, /txnId = -1 is not a u64/],
    [{ txnId: 1n << 64n }, /txnId/],
    [{ txnId: 5 as unknown as bigint }, /txnId/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => coord.send({ ...hdr(1), ...patch }, p), (e: unknown) =>
      e instanceof HeliosError && e.code === 'INTERNAL' && re.test(e.message));
  }
  assert.throws(() => coord.send(hdr(1), [1, 2] as unknown as Uint8Array), /payload must be a Uint8Array/);
  for (const cap of [0, 1000, 1.5, 2 ** 31, Number.NaN]) {
    assert.throws(() => createShardRings(cap), (e: unknown) => e instanceof HeliosError && /ring capacity/.test(e.message));
  }
  assert.equal(new RingMemory(createShardRings(5000).request, 'r').capacity, 8192, 'rounded up to a power of two');
  assert.throws(() => new ShardPort({ request: new SharedArrayBuffer(4352), response: rings.response }), /not made by createShardRings/);
  assert.throws(() => new CoordinatorPort(rings, { maxQueuedFrames: 0 }), /maxQueuedFrames/);
  coord.close();
});

test('doorbells: publish asks for a notify only while the consumer sleeps, release only while the producer waits', () => {
  const rings = createShardRings(4096);
  const mem = new RingMemory(rings.request, 'request');
  const writer = new RingWriter(mem);
  const reader = new RingReader(mem);
  const ctrl = new Int32Array(rings.request, 0, 64);
  const CSLEEP = 17;
  const PWAIT = 1;
  assert.equal(writer.publish(), false, 'nothing written: no store, no notify');
  assert.ok(writer.tryWriteWhole(hdr(1), payloadFor(1, 10)));
  assert.ok(writer.tryWriteWhole(hdr(2), payloadFor(2, 10)));
  assert.equal(writer.publish(), false, 'consumer awake: no notify');
  Atomics.store(ctrl, CSLEEP, 1);
  assert.ok(writer.tryWriteWhole(hdr(3), payloadFor(3, 10)));
  assert.equal(writer.publish(), true, 'consumer asleep: one notify for the batch');
  assert.equal(writer.publish(), false, 'nothing new since: no second notify');
  const out: Frame[] = [];
  assert.equal(reader.drain(out), 3);
  assert.equal(reader.release(), false, 'producer not waiting');
  assert.ok(writer.tryWriteWhole(hdr(4), payloadFor(4, 10)));
  writer.publish();
  reader.drain(out);
  Atomics.store(ctrl, PWAIT, 1);
  assert.equal(reader.release(), true, 'producer waiting for room: notify');
});
