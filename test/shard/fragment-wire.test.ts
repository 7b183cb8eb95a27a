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

test('fragment wire: result rows travel as a binary block, every value exact, other `rows` stay JSON', () => {
  const edge = [2147483647n, -2147483648n, 2147483648n, -2147483649n, NaN, 'héllo 🌍 ñ', 'x'.repeat(100_000), new Uint8Array(70_000).fill(7)];
  const results = [
    { columns: ['a'], rows: [VALUES, edge, []], rowsAffected: 0, lastInsertId: null },
    { columns: [], rows: [], rowsAffected: 3, lastInsertId: 4n },
    { columns: ['b'], rows: [[1n], [null]], rowsAffected: 0, lastInsertId: null },
  ];
  const bytes = encodeWire(results);
  assert.equal(bytes[0], 0, 'framed with row blocks');
  const back = decodeWire<typeof results>(bytes);
  assert.deepEqual(back, results);
  const got = back[0]!.rows[1]!;
  assert.ok(Number.isNaN(got[4]));
  assert.ok(Object.is(back[0]!.rows[0]![VALUES.indexOf(-0)], -0));
  // A decoded BLOB owns its bytes (the frame's buffer is reused by the ring).
  const blob = back[0]!.rows[0]![12] as Uint8Array;
  bytes.fill(0xee);
  assert.deepEqual([...blob], [0, 255]);
  // An INSERT's planned rows (objects, not a matrix) keep the JSON form.
  const op = { op: 'run', p: 0, stmts: [{ sql: 'INSERT INTO t VALUES (?)', params: [], rows: [{ rowid: 5n, row: [1n, 'a'] }] }] };
  const opBytes = encodeWire(op);
  assert.notEqual(opBytes[0], 0);
  assert.deepEqual(decodeWire(opBytes), op);
  // A matrix holding something that is not a value is sent as JSON as it is.
  assert.deepEqual(decodeWire(encodeWire({ rows: [[true, 1n]] })), { rows: [[true, 1n]] });
});

test('fragment wire: a damaged row block is an INTERNAL error, never a crash or wrong rows', () => {
  const bytes = encodeWire([{ columns: ['a', 'b'], rows: [[1n, 'abc'], [2n, 'def']], rowsAffected: 0, lastInsertId: null }]);
  for (const cut of [bytes.length - 1, bytes.length - 4, bytes.length - 9]) {
    assert.throws(() => decodeWire(bytes.subarray(0, cut)), (e: Error & { code?: string }) => e.code === 'INTERNAL' && /row block/.test(e.message), `cut at ${cut}`);
  }
  const badTag = Buffer.from(bytes);
  badTag[badTag.length - 13] = 99; // the second row's INTEGER tag (i32 5 bytes, then TEXT 'def' 8 bytes)
  assert.throws(() => decodeWire(badTag), /unknown value tag 99|row block/);
});

test('fragment wire: a point statement\'s run op (the fast path) round-trips every value class and odd parameter names', () => {
  const named: Record<string, unknown> = { ':n': NaN, '@z': -0, $i: -9223372036854775808n, ':b': new Uint8Array([9]), ':s': '#i', ':x': null };
  Object.defineProperty(named, '__proto__', { value: 5n, enumerable: true, writable: true, configurable: true });
  const op = { op: 'run', p: 7, tx: 'g1', reply: 'row-json', stmts: [{ sql: 'SELECT ?', params: VALUES }, { sql: 'SELECT :n', params: named }] };
  const bytes = encodeWire(op);
  assert.notEqual(bytes[0], 0);
  const back = decodeWire<typeof op>(bytes);
  assert.deepEqual(back.stmts[0]!.params, VALUES);
  const p = back.stmts[1]!.params as Record<string, unknown>;
  assert.ok(Number.isNaN(p[':n']) && Object.is(p['@z'], -0));
  assert.deepEqual(Object.keys(p).sort(), ['$i', ':b', ':n', ':s', ':x', '@z', '__proto__']);
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(p, '__proto__')?.value, 5n);
  assert.deepEqual([p['$i'], p[':b'], p[':s'], p[':x']], [-9223372036854775808n, new Uint8Array([9]), '#i', null]);
  assert.deepEqual({ ...back, stmts: [] }, { ...op, stmts: [] });
});
