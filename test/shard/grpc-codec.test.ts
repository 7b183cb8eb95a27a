/**
 * The shard's hand-written protobuf codec must agree byte-for-meaning with protobufjs on the
 * published schema (what every gRPC client uses), and must reject garbage cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { decodeBatch, decodeStatement, encodeBatchResponse, encodeExecuteResponse, encodeQueryResponse } from '../../src/shard/grpc-codec.js';
import { HeliosError } from '../../src/errors.js';

const root = protobuf.loadSync(fileURLToPath(new URL('../../../proto/heliosdb/v1/database.proto', import.meta.url)));
const T = (n: string) => root.lookupType(`heliosdb.v1.${n}`);
const toObj = (type: string, bytes: Uint8Array) => T(type).toObject(T(type).decode(bytes), { longs: String, bytes: Array, oneofs: true, defaults: false });

test('ExecuteResponse: every value class round-trips through protobufjs', () => {
  const bytes = encodeExecuteResponse({
    columns: ['a', 'b', 'c', 'd', 'e', 'ünï'],
    rows: [
      [null, -9223372036854775808n, 1.5, 'text ✓', new Uint8Array([0, 255]), 9223372036854775807n],
      [0n, -1n, -0.0, '', new Uint8Array(), 'x'.repeat(300)],
    ],
    rowsAffected: 3,
    lastInsertId: 42n,
  });
  const o = toObj('ExecuteResponse', bytes) as { columns: string[]; rows: { values: Record<string, unknown>[] }[]; rows_affected?: string; rowsAffected?: string; last_insert_id?: string; lastInsertId?: string };
  assert.deepEqual(o.columns, ['a', 'b', 'c', 'd', 'e', 'ünï']);
  const r0 = o.rows[0]!.values;
  assert.equal(r0[0]!['nullValue'], true);
  assert.equal(r0[1]!['integerValue'], '-9223372036854775808');
  assert.equal(r0[2]!['realValue'], 1.5);
  assert.equal(r0[3]!['textValue'], 'text ✓');
  assert.deepEqual(r0[4]!['blobValue'], [0, 255]);
  assert.equal(r0[5]!['integerValue'], '9223372036854775807');
  const r1 = o.rows[1]!.values;
  assert.equal(r1[0]!['integerValue'], '0');
  assert.ok(Object.is(r1[2]!['realValue'], -0));
  assert.equal(r1[3]!['kind'], 'textValue');
  assert.equal(r1[5]!['textValue'], 'x'.repeat(300));
  assert.equal(o.rowsAffected, '3');
  assert.equal(o.lastInsertId, '42');
});

test('requests written by protobufjs decode to the statement, typed parameters and tx id', () => {
  const req = T('ExecuteRequest').encode(
    T('ExecuteRequest').fromObject({ sql: 'SELECT ?', params: [{ integerValue: '9007199254740993' }, { realValue: 2.5 }, { textValue: 'hi' }, { blobValue: Buffer.from([1, 2]) }, { nullValue: true }, {}], txId: 'tx-1' }),
  ).finish();
  const s = decodeStatement(req);
  assert.equal(s.sql, 'SELECT ?');
  assert.equal(s.txId, 'tx-1');
  assert.deepEqual(s.params, [9007199254740993n, 2.5, 'hi', new Uint8Array([1, 2]), null, null]);
  const named = T('ExecuteRequest').encode(T('ExecuteRequest').fromObject({ sql: 'SELECT :a', namedParams: { a: { integerValue: '5' }, ':b': { textValue: 'x' } } })).finish();
  assert.deepEqual({ ...(decodeStatement(named).params as object) }, { a: 5n, b: 'x' });
  const batch = T('BatchRequest').encode(T('BatchRequest').fromObject({ statements: [{ sql: 'SELECT 1' }, { sql: 'SELECT ?', params: [{ integerValue: '2' }] }], transaction: false })).finish();
  const b = decodeBatch(batch);
  assert.equal(b.transaction, false);
  assert.deepEqual(b.statements.map((x) => [x.sql, x.params]), [['SELECT 1', []], ['SELECT ?', [2n]]]);
  assert.equal(decodeBatch(T('BatchRequest').encode(T('BatchRequest').fromObject({ statements: [{ sql: 'SELECT 1' }] })).finish()).transaction, true);
});

test('BatchResponse and QueryResponse decode with protobufjs', () => {
  const b = toObj('BatchResponse', encodeBatchResponse([{ columns: [], rows: [], rowsAffected: 1, lastInsertId: 7n }, { columns: ['x'], rows: [[1n]], rowsAffected: 0, lastInsertId: null }])) as { results: Record<string, unknown>[] };
  assert.equal(b.results.length, 2);
  assert.equal(b.results[0]!['lastInsertId'], '7');
  assert.equal(b.results[1]!['lastInsertId'], undefined);
  const q = toObj('QueryResponse', encodeQueryResponse(['c'], [[1n], ['two']])) as { columns: string[]; rows: unknown[] };
  assert.deepEqual(q.columns, ['c']);
  assert.equal(q.rows.length, 2);
});

test('garbage bytes are BAD_REQUEST, never a crash', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const good = T('ExecuteRequest').encode(T('ExecuteRequest').fromObject({ sql: 'SELECT ?', params: [{ textValue: 'hello' }] })).finish();
  for (let i = 0; i < 2000; i++) {
    const bytes = i % 2 ? new Uint8Array(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))) : good.map((b) => (rand() < 0.1 ? Math.floor(rand() * 256) : b));
    try {
      decodeStatement(bytes);
    } catch (e) {
      assert.ok(e instanceof HeliosError, `a HeliosError, not ${String(e)}`);
      assert.equal(e.code, 'BAD_REQUEST');
    }
  }
});

test('bytes protobufjs rejects as a BatchRequest or ExecuteRequest, we reject too', () => {
  // Field tags of 6–10 bytes once lost their low bits in a double and read as wire type 0 or 2,
  // so random bytes could decode as an empty Batch and "succeed".
  let seed = 612424216;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const rejects = (f: () => unknown) => {
    try {
      f();
      return false;
    } catch {
      return true;
    }
  };
  let theirs = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = new Uint8Array([0xff, ...Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))]);
    if (rejects(() => T('BatchRequest').decode(bytes))) {
      theirs++;
      assert.ok(rejects(() => decodeBatch(bytes)), `decodeBatch accepted ${Buffer.from(bytes).toString('hex')}`);
    }
    if (rejects(() => T('ExecuteRequest').decode(bytes))) assert.ok(rejects(() => decodeStatement(bytes)), `decodeStatement accepted ${Buffer.from(bytes).toString('hex')}`);
  }
  assert.ok(theirs > 10_000, `protobufjs rejected only ${theirs} of 20,000`);
  const tenByteTag = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
  assert.throws(() => decodeBatch(tenByteTag), /tag beyond 32 bits/);
});
