/**
 * The header codec's fast paths are FlatBuffers, not a look-alike: the template encoder must
 * emit exactly the generated Builder's bytes, and the decoder must read any valid FrameHeader
 * buffer, including the Builder's default output, which omits zero-valued fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as flatbuffers from 'flatbuffers';
import { HeaderDecoder, HeaderEncoder, encodeWithBuilder } from '../../src/ring/header-codec.js';
import { FrameHeader as FbFrameHeader } from '../../src/ring/frame-header-generated.js';
import type { FrameHeader } from '../../src/ring/types.js';
import { prng, testSeed } from './fixtures/prng.js';

function randomHeader(rand: () => number): FrameHeader {
  // Mix zeros (omitted by a default Builder) with values up to each field's limit.
  const pick = (max: number): number => (rand() < 0.25 ? 0 : rand() < 0.2 ? max : Math.floor(rand() * (max + 1)));
  const hi = BigInt(pick(0xffffffff));
  const lo = BigInt(pick(0xffffffff));
  return { requestId: pick(0xffffffff), kind: pick(0xffff), txnId: (hi << 32n) | lo, statementId: pick(0xffffffff), flags: pick(0xffff) };
}

test('the template encoder writes the generated Builder bytes, and both decode paths read them back', () => {
  const rand = prng(testSeed('header-codec'));
  const builder = new flatbuffers.Builder(64);
  const enc = new HeaderEncoder();
  const area = new Uint8Array(256);
  const words = new Uint32Array(area.buffer);
  const view = new DataView(area.buffer);
  const dec = new HeaderDecoder(area);
  for (let i = 0; i < 2000; i++) {
    const h = randomHeader(rand);
    const len = Math.floor(rand() * 2 ** 32);
    const reference = encodeWithBuilder(builder, h, len, true);
    area.fill(0xee);
    enc.encodeInto(words, view, 8, h, len);
    assert.deepEqual(area.subarray(8, 8 + enc.byteLength), reference, `header ${JSON.stringify(h, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
    assert.deepEqual(dec.decode(8, enc.byteLength), h);
    assert.equal(dec.payloadLength, len);
    // The generated reader agrees on the same bytes.
    const t = FbFrameHeader.getRootAsFrameHeader(new flatbuffers.ByteBuffer(reference));
    assert.equal(t.txnId(), h.txnId);
    assert.equal(t.payloadLength(), len);

    // A default Builder omits zero fields: another shape, read through the generated accessors.
    const compact = encodeWithBuilder(builder, h, len, false);
    area.fill(0xee);
    area.set(compact, 16);
    assert.deepEqual(dec.decode(16, compact.length), h);
    assert.equal(dec.payloadLength, len);
  }
});
