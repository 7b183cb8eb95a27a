/**
 * The `row-proto` reply format (encode once for the generated gRPC Get): the shard's
 * encodeFirstRowProto must write exactly the bytes the coordinator's path writes (rowsOf +
 * rowToMessage + protobufjs encoding of the generated message) for every value class and every
 * field type, fail with the same HeliosError where a value does not fit its field, and keep "no
 * row" apart from a row whose message is empty. A seeded random differential covers mixes the
 * table misses (HELIOS_SEED=<n|random>, HELIOS_ROWPROTO_ROWS=<n> for longer runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFirstRowProto, rowProtoMessage, rowProtoReply, ROW_PRESENT } from '../../src/shard/row-proto.js';
import { buildGrpcTable, rowToMessage, tableModel, type ApiTable, type GrpcTableApi } from '../../src/net/schema-api/index.js';
import { rowsOf } from '../../src/net/schema-api/operations.js';
import { HeliosError } from '../../src/errors.js';
import type { Value } from '../../src/storage/api.js';
import { col } from '../api/fixtures.js';
import { rng, seedFromEnv } from '../sql/helpers.js';

/**
 * Every field type, each as a NOT NULL (implicit presence) and a nullable (`optional`) column,
 * with field numbers out of column order (a column added after others were dropped keeps the
 * next ordinal: here `late` sits second but is field 20), one of them above 15 (a 2-byte tag).
 */
const KINDS_TABLE: ApiTable = {
  name: 'kinds',
  columns: [
    col('id', 'INTEGER', 1, { nullable: false, primaryKey: true }),
    col('late', 'TEXT', 20),
    col('i', 'INTEGER', 2, { nullable: false }),
    col('oi', 'INTEGER', 3),
    col('r', 'REAL', 4, { nullable: false }),
    col('o_r', 'REAL', 5),
    col('t', 'TEXT', 6, { nullable: false }),
    col('ot', 'TEXT', 7),
    col('b', 'BLOB', 8, { nullable: false }),
    col('ob', 'BLOB', 9),
    col('f', 'BOOLEAN', 10, { nullable: false }),
    col('of', 'BOOLEAN', 11),
  ],
  primaryKey: 'id',
  indexes: [],
  shardKey: null,
};

const api: GrpcTableApi = buildGrpcTable(tableModel(KINDS_TABLE, []));
const COLUMNS = KINDS_TABLE.columns.map((c) => c.name);
const messageType = api.root.lookupType('kinds.Kind');

/** The coordinator's path: values → rowToMessage → protobufjs (as grpc-build's responseSerialize does). */
function coordinatorBytes(columns: string[], rows: Value[][]): Uint8Array {
  const row = rowsOf({ columns, rows, rowsAffected: 0 })[0]!;
  return messageType.encode(rowToMessage(api.model, row)).finish();
}

/** The shard's path, as the handler forwards it. */
function shardBytes(columns: string[], rows: Value[][]): Uint8Array {
  return rowProtoMessage(encodeFirstRowProto({ columns, rows }, api.getReply!));
}

/** Both paths' outcome: the bytes in hex, or the error's code and message. */
function outcome(f: () => Uint8Array): string {
  try {
    return Buffer.from(f()).toString('hex');
  } catch (e) {
    assert.ok(e instanceof HeliosError, `a HeliosError, got ${String(e)}`);
    return `${e.code}: ${e.message}`;
  }
}

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** Values that fit, per field type; every one is tried in both the plain and the optional column. */
const FITS: Record<string, Value[]> = {
  int64: [0n, 1n, -1n, 127n, 128n, 9007199254740993n, -9223372036854775808n, 9223372036854775807n, 3, -0, -9.223372036854776e18],
  double: [0, -0, 1.5, -2.75, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity, 0n, -7n, 9223372036854775807n],
  string: ['', 'plain', 'ünïcødé ✓ 😀 \u2028 nul \u0000', 'x'.repeat(200), 'y'.repeat(20000), 42n, -0, 1e21, 0.1, NaN],
  bytes: [new Uint8Array(0), new Uint8Array([0, 1, 254, 255]), new Uint8Array([9, 9, 7, 8, 9, 9]).subarray(2, 4), new Uint8Array(300).fill(7), '', 'ünï ✓'],
  bool: [0n, 1n, -5n, 0, 0.5, -0],
};
const PLAIN: Record<string, [string, string]> = { int64: ['i', 'oi'], double: ['r', 'o_r'], string: ['t', 'ot'], bytes: ['b', 'ob'], bool: ['f', 'of'] };
const ZERO_ROW: Value[] = [1n, null, 0n, null, 0, null, '', null, new Uint8Array(0), null, 0n, null];

test('row-proto: the layout is one short string in column order', () => {
  assert.deepEqual(api.getReply, { kind: 'row-proto', layout: '1iid,20slate,2ii,3ioi,4dr,5do_r,6st,7sot,8bb,9bob,10tf,11tof' });
  assert.throws(() => rowProtoReply([{ column: 'a,b', number: 1, scalar: 'int64' }]), /not a protobuf identifier/);
  assert.throws(() => rowProtoReply([{ column: 'a', number: 0, scalar: 'int64' }]), /bad field number/);
});

test('row-proto: every value class in every field type is byte-equal to the coordinator encoding', () => {
  for (const [scalar, values] of Object.entries(FITS)) {
    for (const v of values) {
      for (const name of PLAIN[scalar]!) {
        const row = [...ZERO_ROW];
        row[COLUMNS.indexOf(name)] = v;
        const what = `${name} = ${typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `blob[${v.length}]` : JSON.stringify(v) ?? String(v)}${Object.is(v, -0) ? ' (-0)' : ''}`;
        const want = coordinatorBytes(COLUMNS, [row]);
        assert.deepEqual(Buffer.from(shardBytes(COLUMNS, [row])), Buffer.from(want), what);
      }
    }
  }
});

test('row-proto: known bytes — field order by number, zero values written, NULL unset, negative int64 in 10 bytes', () => {
  // id 1, late unset, i 0, oi -1, r -0.0, o_r NULL, t "", ot NULL, b empty, ob NULL, f false, of NULL;
  // written by field number: 1, 2, 3, 4, 6, 8, 10 — `late` (field 20) would come last.
  const row: Value[] = [1n, null, 0n, -1n, -0, null, '', null, new Uint8Array(0), null, 0n, null];
  const want = '0801' + '1000' + '18ffffffffffffffffff01' + '210000000000000080' + '3200' + '4200' + '5000';
  assert.equal(Buffer.from(shardBytes(COLUMNS, [row])).toString('hex'), want);
  assert.equal(Buffer.from(coordinatorBytes(COLUMNS, [row])).toString('hex'), want);
  row[1] = 'z';
  assert.equal(Buffer.from(shardBytes(COLUMNS, [row])).toString('hex'), `${want}a201017a`);
  // And protobufjs reads the shard's bytes back as the values.
  const o = messageType.toObject(messageType.decode(shardBytes(COLUMNS, [[7n, 'ü', -9223372036854775808n, null, 2.5, NaN, 'ok', null, hex('00ff'), null, 5n, 0n]])), { longs: String, bytes: Array });
  assert.deepEqual(o, { id: '7', late: 'ü', i: '-9223372036854775808', r: 2.5, o_r: NaN, t: 'ok', b: [0, 255], f: true, of: false });
});

test('row-proto: a lone surrogate becomes U+FFFD (valid UTF-8), where protobufjs writes the surrogate\'s invalid bytes', () => {
  // The one deliberate difference: strict clients (upb, Go) reject ED A0 80 as a string. The
  // file storage already stores TEXT as UTF-8, so such a value only lives in memory partitions.
  const row = [...ZERO_ROW];
  row[COLUMNS.indexOf('ot')] = '\ud800x';
  assert.match(Buffer.from(shardBytes(COLUMNS, [row])).toString('hex'), /3a04efbfbd78/);
  assert.match(Buffer.from(coordinatorBytes(COLUMNS, [row])).toString('hex'), /3a04eda08078/);
});

test('row-proto: result columns are matched by name — missing ones stay unset, extra ones are ignored', () => {
  const columns = ['extra', 'id', 'ot', 'i', 'ot'];
  const rows: Value[][] = [['ignored', 3n, 'first', 4n, 'last wins']];
  assert.deepEqual(Buffer.from(shardBytes(columns, rows)), Buffer.from(coordinatorBytes(columns, rows)));
  assert.deepEqual(messageType.toObject(messageType.decode(shardBytes(columns, rows)), { longs: String }), { id: '3', i: '4', ot: 'last wins' });
});

test('row-proto: no row gives no bytes; a row with an empty message still carries the row marker', () => {
  assert.equal(encodeFirstRowProto({ columns: COLUMNS, rows: [] }, api.getReply!).byteLength, 0);
  const allNull = encodeFirstRowProto({ columns: COLUMNS, rows: [COLUMNS.map(() => null)] }, api.getReply!);
  assert.deepEqual([...allNull], [ROW_PRESENT]);
  assert.equal(rowProtoMessage(allNull).byteLength, 0);
  const none = encodeFirstRowProto({ columns: ['other'], rows: [[1n]] }, api.getReply!);
  assert.deepEqual([...none], [ROW_PRESENT]);
  assert.throws(() => rowProtoMessage(new Uint8Array(0)), (e: HeliosError) => e.code === 'INTERNAL');
});

test('row-proto: a value its field cannot carry fails with the same SQL_ERROR on both paths', () => {
  const misfits: [string, Value][] = [
    ['i', 'text in an integer column'], ['i', hex('0102')], ['i', 1.5], ['i', 1e20], ['i', -1e19], ['i', NaN], ['i', Infinity],
    ['r', 'abc'], ['r', hex('00')], ['t', hex('00ff')], ['ob', 5n], ['ob', 2.5], ['f', 'yes'], ['of', hex('01')],
    ['oi', 'x'.repeat(100)],
  ];
  for (const [name, v] of misfits) {
    const row = [...ZERO_ROW];
    row[COLUMNS.indexOf(name)] = v;
    const ours = outcome(() => shardBytes(COLUMNS, [row]));
    assert.match(ours, new RegExp(`^SQL_ERROR: column ${name} holds `), name);
    assert.equal(ours, outcome(() => coordinatorBytes(COLUMNS, [row])), name);
  }
  // Two misfits: both paths report the first in column order (`late`, field 20), not field order.
  const row = [...ZERO_ROW];
  row[COLUMNS.indexOf('late')] = hex('00');
  row[COLUMNS.indexOf('i')] = 'nope';
  const ours = outcome(() => shardBytes(COLUMNS, [row]));
  assert.match(ours, /column late holds a BLOB of 1 bytes/);
  assert.equal(ours, outcome(() => coordinatorBytes(COLUMNS, [row])));
});

test('row-proto: random rows — same bytes or the same error on both paths (seeded)', () => {
  const seed = seedFromEnv('HELIOS_SEED', 20261124);
  const n = Number(process.env['HELIOS_ROWPROTO_ROWS'] ?? 3000);
  console.log(`seed ${seed}, ${n} rows (HELIOS_SEED=${seed} to replay)`);
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const all = Object.values(FITS).flat();
  const misfits: Value[] = ['text', hex('ab'), 0.25, 1e300, -Infinity];
  for (let k = 0; k < n; k++) {
    const row: Value[] = COLUMNS.map((_, j) => (j === 0 ? BigInt(k) : r() < 0.25 ? null : r() < 0.9 ? pick(all) : pick(misfits)));
    const ours = outcome(() => shardBytes(COLUMNS, [row]));
    assert.equal(ours, outcome(() => coordinatorBytes(COLUMNS, [row])), `row ${k} (seed ${seed})`);
  }
});
