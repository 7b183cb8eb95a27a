import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IndexKeyPart, Value } from '../../src/storage/api.js';
import { decodeEntry, encodeEntry, encodePrefix } from '../../src/storage/keys/key-codec.js';
import { cmpKey } from './model.js';
import { randomValue, rng, seedFrom, show, valueEq } from './helpers.js';

const asc: IndexKeyPart = { column: 0, desc: false, collation: 'binary' };

function byteCmp(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

test('INTEGER and REAL keys order exactly, also beyond 2^53, and 5 equals 5.0', () => {
  const vals: Value[] = [
    null,
    -(2n ** 63n),
    -1e300,
    -(2n ** 53n) - 1n,
    -(2 ** 53),
    -1n,
    -0.5,
    -0,
    0n,
    0.25,
    1n,
    5n,
    5.5,
    2n ** 53n,
    2n ** 53n + 1n,
    2 ** 53 + 2,
    2n ** 53n + 3n,
    2n ** 63n - 1n,
    9223372036854775808,
    1e300,
    '',
    'A',
    'a',
    'b',
    new Uint8Array([]),
    new Uint8Array([0]),
    new Uint8Array([0, 0]),
    new Uint8Array([1]),
  ];
  const enc = vals.map((v) => encodePrefix([v], [asc]));
  for (let i = 0; i < vals.length; i++) {
    for (let j = 0; j < vals.length; j++) {
      const want = Math.sign(cmpKey([asc], [vals[i]!], [vals[j]!]));
      assert.equal(Math.sign(byteCmp(enc[i]!, enc[j]!)), want, `${show(vals[i])} vs ${show(vals[j])}`);
    }
  }
  assert.equal(byteCmp(encodePrefix([5n], [asc]), encodePrefix([5], [asc])), 0);
  assert.equal(byteCmp(encodePrefix([0n], [asc]), encodePrefix([-0], [asc])), 0);
});

test('random composite keys with DESC parts and collations: byte order equals SQLite order, and decode round-trips', () => {
  const seed = seedFrom('key codec');
  const r = rng(seed);
  const parts: IndexKeyPart[] = [
    { column: 0, desc: false, collation: 'nocase' },
    { column: 1, desc: true, collation: 'binary' },
    { column: 2, desc: true, collation: 'rtrim' },
  ];
  const keys: { v: Value[]; e: Uint8Array; rowid: bigint }[] = [];
  for (let i = 0; i < 400; i++) {
    const v = [randomValue(r, 0), randomValue(r, 0), r() < 0.3 ? `ab${' '.repeat(Math.floor(r() * 3))}` : randomValue(r, 0)];
    const rowid = BigInt(Math.floor((r() - 0.5) * 1e6));
    keys.push({ v, e: encodeEntry(v, parts, rowid).entry, rowid });
  }
  for (const a of keys) {
    const d = decodeEntry(a.e, parts);
    assert.equal(d.rowid, a.rowid);
    d.values.forEach((x, i) => {
      const o = a.v[i]!;
      const exp = typeof o === 'string' ? (i === 0 ? o.replace(/[A-Z]/g, (m) => m.toLowerCase()) : i === 2 ? o.replace(/ +$/, '') : o) : o;
      assert.ok(valueEq(x, exp), `decode ${show(x)} vs ${show(o)}`);
    });
    for (const b of keys.slice(0, 60)) {
      const want = cmpKey(parts, a.v, b.v) || (a.rowid < b.rowid ? -1 : a.rowid > b.rowid ? 1 : 0);
      assert.equal(Math.sign(byteCmp(a.e, b.e)), Math.sign(want), `${show(a.v)}#${a.rowid} vs ${show(b.v)}#${b.rowid}`);
    }
  }
});
