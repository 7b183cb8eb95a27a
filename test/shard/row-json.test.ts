/**
 * The `row-json` reply format (encode once for REST Get): the shard's firstRowToJson must write
 * exactly the bytes the coordinator wrote before (rowsOf + rowToJson + JSON.stringify) for every
 * value class, and nothing at all when there is no row (the REST layer's 404).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstRowToJson } from '../../src/shard/json-codec.js';
import { rowsOf } from '../../src/net/schema-api/operations.js';
import { rowToJson } from '../../src/net/schema-api/json-values.js';
import type { Value } from '../../src/storage/api.js';

const coordinatorEncoding = (columns: string[], rows: Value[][]): string => JSON.stringify(rowToJson(rowsOf({ columns, rows, rowsAffected: 0 })[0]!));

const KINDS: [string, Value][] = [
  ['null', null],
  ['zero', 0n],
  ['small', -42n],
  ['max_safe', 9007199254740991n],
  ['min_safe', -9007199254740991n],
  ['beyond', 9007199254740992n],
  ['below', -9007199254740992n],
  ['int64_max', 9223372036854775807n],
  ['int64_min', -9223372036854775808n],
  ['real', 12.5],
  ['tiny', 5e-324],
  ['big_real', 1.7976931348623157e308],
  ['neg_zero', -0],
  ['inf', Infinity],
  ['neg_inf', -Infinity],
  ['nan', NaN],
  ['text', 'plain'],
  ['escapes', 'quote " backslash \\ newline \n tab \t nul \u0000 ctl \u001f'],
  ['unicode', 'ünïcødé ✓ 😀 \u2028'],
  ['lone_surrogate', '\ud800'],
  ['empty_text', ''],
  ['blob', new Uint8Array([0, 1, 254, 255])],
  ['empty_blob', new Uint8Array(0)],
  ['blob_view', new Uint8Array([9, 9, 7, 8, 9, 9]).subarray(2, 4)],
];

test('row-json: every value class is byte-equal to the coordinator encoding', () => {
  for (const [name, v] of KINDS) {
    const columns = ['id', name];
    const rows: Value[][] = [[1n, v]];
    assert.equal(firstRowToJson({ columns, rows, rowsAffected: 0, lastInsertId: null }), coordinatorEncoding(columns, rows), name);
  }
  const columns = KINDS.map(([n]) => n);
  const rows: Value[][] = [KINDS.map(([, v]) => v), KINDS.map(() => null)];
  const all = firstRowToJson({ columns, rows, rowsAffected: 0, lastInsertId: null });
  assert.equal(all, coordinatorEncoding(columns, rows));
  // And it is JSON with the contract's mapping.
  const o = JSON.parse(all) as Record<string, unknown>;
  assert.equal(o['beyond'], '9007199254740992');
  assert.equal(o['max_safe'], 9007199254740991);
  assert.deepEqual(o['blob'], { base64: 'AAH+/w==' });
  assert.deepEqual(o['blob_view'], { base64: 'Bwg=' });
  assert.equal(o['nan'], null);
  assert.equal(o['inf'], null);
});

test('row-json: column names that need escaping keep their order and spelling', () => {
  const columns = ['id', 'a "quoted" name', 'ünï', 'back\\slash'];
  const rows: Value[][] = [[7n, 'x', 1.25, null]];
  const s = firstRowToJson({ columns, rows, rowsAffected: 0, lastInsertId: null });
  assert.equal(s, coordinatorEncoding(columns, rows));
  assert.deepEqual(Object.keys(JSON.parse(s) as object), columns);
});

test('row-json: no row → no bytes (the REST layer answers NOT_FOUND)', () => {
  assert.equal(firstRowToJson({ columns: ['id', 'v'], rows: [], rowsAffected: 0, lastInsertId: null }), '');
});

test('row-json: the member names follow the columns asked for, also when the caller reuses and changes one array', () => {
  const columns = ['id', 'v'];
  const row: Value[] = [1n, 'x'];
  assert.equal(firstRowToJson({ columns, rows: [row], rowsAffected: 0, lastInsertId: null }), '{"id":1,"v":"x"}');
  columns[1] = 'w';
  assert.equal(firstRowToJson({ columns, rows: [row], rowsAffected: 0, lastInsertId: null }), '{"id":1,"w":"x"}');
  columns.push('z');
  assert.equal(firstRowToJson({ columns, rows: [[1n, 'x', null]], rowsAffected: 0, lastInsertId: null }), '{"id":1,"w":"x","z":null}');
  assert.equal(firstRowToJson({ columns: [], rows: [[]], rowsAffected: 0, lastInsertId: null }), '{}');
});
