/**
 * The fragment protocol's value tagging (encodeWire/decodeWire): every SQLite value class, at
 * any depth, comes back as it went in, and objects that only look like tags are left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWire, encodeWire } from '../../src/shard/fragment-protocol.js';

const VALUES = [null, 0n, -1n, 9223372036854775807n, -9223372036854775808n, 1.5, -0, Infinity, -Infinity, 'text', '#i', '', new Uint8Array([0, 255]), new Uint8Array(0)];

test('fragment wire: every value class round-trips inside results, ops and named parameters', () => {
  const results = [{ columns: ['a', 'b'], rows: [VALUES, VALUES.slice().reverse()], rowsAffected: 2, lastInsertId: 9007199254740993n }];
  assert.deepEqual(decodeWire(encodeWire(results)), results);
  const op = { op: 'run', p: 3, stmts: [{ sql: 'SELECT ?', params: { ':a': 5n, '@b': new Uint8Array([1]), $c: -0 } }] };
  const back = decodeWire<typeof op>(encodeWire(op));
  assert.deepEqual(back, op);
  assert.ok(Object.is((back.stmts[0]!.params as Record<string, unknown>)['$c'], -0));
  for (const v of VALUES) {
    const got = decodeWire<unknown[]>(encodeWire([v]))[0];
    if (typeof v === 'number') assert.ok(Object.is(got, v), String(v));
    else assert.deepEqual(got, v);
  }
});

test('fragment wire: objects that are not exactly one string tag stay objects', () => {
  const raw = (s: string) => new Uint8Array(Buffer.from(s));
  assert.deepEqual(decodeWire(raw('{"#i":"1","x":2}')), { '#i': '1', x: 2 });
  assert.deepEqual(decodeWire(raw('[{"#i":1},{"#q":"1"},{}]')), [{ '#i': 1 }, { '#q': '1' }, {}]);
  assert.deepEqual(decodeWire(raw('{"a":{"b":[{"#i":"12"}]}}')), { a: { b: [12n] } });
  assert.equal(decodeWire(raw('{"#i":"-5"}')), -5n);
  // A "__proto__" key (a named parameter could be spelled so) stays an own property, untagged.
  const p = decodeWire<Record<string, unknown>>(raw('{"__proto__":{"#i":"7"},"x":1}'));
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.deepEqual(Object.keys(p), ['__proto__', 'x']);
  assert.equal(Object.getOwnPropertyDescriptor(p, '__proto__')?.value, 7n);
});
