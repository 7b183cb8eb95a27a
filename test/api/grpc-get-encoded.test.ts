/**
 * Encode once for the generated gRPC Get, end to end on real grpc-js servers over a partitioned
 * database (4 partitions on 2 in-process shards, every op and reply through the fragment
 * protocol's wire codec): `GetKind` answered with the bytes the shard wrote (`row-proto`) must
 * be byte-identical to the old main-thread path (values → rowToMessage → protobufjs) for every
 * column type and value class, fail with the same status and details for a value its field
 * cannot carry and for a missing row, and decode in a generated grpc-js client. A Get that
 * fans out (the table is sharded by another column) still answers, from values.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SchemaApi, type ApiSchema, type ApiValue, type ExecFn, type ExecRowProtoFn } from '../../src/net/schema-api/index.js';
import type { Router } from '../../src/coordinator/router.js';
import type { ExecResult } from '../../src/sql/index.js';
import { localRouter, type LocalExecutor } from '../shards/harness.js';
import { col } from './fixtures.js';

const KINDS_DDL = 'CREATE TABLE kinds (id INTEGER PRIMARY KEY, i INTEGER NOT NULL, oi INTEGER, r REAL NOT NULL, o_r REAL, t TEXT NOT NULL, ot TEXT, b BLOB NOT NULL, ob BLOB, f BOOLEAN NOT NULL, ofl BOOLEAN)';
const FANNED_DDL = 'CREATE TABLE fanned (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)';

function schema(): ApiSchema {
  return {
    tables: [
      {
        name: 'kinds',
        columns: [
          col('id', 'INTEGER', 1, { nullable: false, primaryKey: true }),
          col('i', 'INTEGER', 2, { nullable: false }), col('oi', 'INTEGER', 3),
          col('r', 'REAL', 4, { nullable: false }), col('o_r', 'REAL', 5),
          col('t', 'TEXT', 6, { nullable: false }), col('ot', 'TEXT', 7),
          col('b', 'BLOB', 8, { nullable: false }), col('ob', 'BLOB', 9),
          col('f', 'BOOLEAN', 10, { nullable: false }), col('ofl', 'BOOLEAN', 11),
        ],
        primaryKey: 'id', indexes: [], shardKey: null,
      },
      {
        name: 'fanned',
        columns: [col('id', 'INTEGER', 1, { nullable: false, primaryKey: true }), col('k', 'INTEGER', 2), col('v', 'TEXT', 3)],
        primaryKey: 'id', indexes: [], shardKey: 'k',
      },
    ],
    methods: [],
  };
}

const blob = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Rows by id: [i, oi, r, o_r, t, ot, b, ob, f, ofl] (bound as parameters; the engine stores them by column affinity). */
const ROWS: [number, ApiValue[]][] = [
  [1, [-9223372036854775808n, 9223372036854775807n, -0, 5e-324, 'ünïcødé ✓ 😀 \u2028', 'x'.repeat(20000), blob(0, 1, 254, 255), blob(...new Array<number>(300).fill(7)), 1n, 0n]],
  // Zero values everywhere: written on both paths (protobufjs writes every set field).
  [2, [0n, 0n, 0, 0, '', '', blob(), blob(), 0n, 0n]],
  // NULL in every optional field; infinities; a negative bool.
  [3, [-1n, null, Infinity, null, 'a', null, blob(9), null, -5n, null]],
  [4, [9007199254740993n, -9007199254740993n, -Infinity, 1.5, '-0', 'NaN', blob(), null, 0n, 1n]],
  // Values that fit another field type: REAL-with-no-fraction int64 (stored as INTEGER by
  // affinity), INTEGER in a REAL column, TEXT in a BLOB column, REAL in a BOOLEAN column.
  [5, [3, 7n, 7n, -7n, 't', 'u', blob(1), 'text as bytes ✓', 0.5, 0]],
  // Values that do not fit: TEXT in an INTEGER column, a REAL beyond int64.
  [6, ['not a number', null, 1, null, 't', null, blob(), null, 0n, null]],
  [7, [1e20, null, 1, null, 't', null, blob(), null, 0n, null]],
  [8, [1n, null, 1, null, 't', null, blob(), null, blob(1), null]],
];

type Raw = { bytes: Buffer } | { code: number; details: string };

function rawGet(port: number, path: string, id: bigint): Promise<Raw> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const req = [0x08];
  for (let v = BigInt.asUintN(64, id); ; v >>= 7n) {
    if (v < 0x80n) {
      req.push(Number(v));
      break;
    }
    req.push(Number(v & 0x7fn) | 0x80);
  }
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(req), (err, res) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { bytes: res! });
    });
  });
}

async function serve(api: SchemaApi): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  for (const s of api.grpcServices()) server.addService(s.definition, s.implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port };
}

describe('gRPC Get encoded once, in the shard', () => {
  let router: Router;
  let shards: LocalExecutor;
  let encoded: { server: grpc.Server; port: number };
  let old: { server: grpc.Server; port: number };
  let encodedApi: SchemaApi;

  before(async () => {
    ({ router, exec: shards } = await localRouter(4, 2, { shardKeys: { fanned: 'k' } }));
    const run = async (sql: string, params: ApiValue[] = []) => (await router.executeOne({ sql, params })) as ExecResult;
    await run(KINDS_DDL);
    await run(FANNED_DDL);
    for (const [id, vs] of ROWS) await run('INSERT INTO kinds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [BigInt(id), ...vs]);
    for (let k = 1; k <= 6; k++) await run('INSERT INTO fanned VALUES (?, ?, ?)', [BigInt(k), BigInt(k * 7), k % 2 ? 'odd' : '']);
    const exec: ExecFn = async (sql, params) => {
      const r = (await router.executeOne({ sql, params })) as ExecResult;
      return { columns: r.columns, rows: r.rows, rowsAffected: r.rowsAffected };
    };
    const execRowProto: ExecRowProtoFn = async (sql, params, reply) => {
      const r = await router.executeOne({ sql, params }, reply);
      return r instanceof Uint8Array ? r : { columns: r.columns, rows: r.rows, rowsAffected: r.rowsAffected };
    };
    const onInternal = (e: unknown) => {
      throw e;
    };
    encodedApi = new SchemaApi(schema(), { exec, execRowProto, onInternal });
    encoded = await serve(encodedApi);
    old = await serve(new SchemaApi(schema(), { exec, onInternal }));
  });

  after(() => {
    encoded?.server.forceShutdown();
    old?.server.forceShutdown();
  });

  /** The `run` ops that asked a shard for the `row-proto` reply since `from`. */
  const rowProtoOps = (from: number) => shards.sent.slice(from).filter((o) => o.op === 'run' && typeof o.reply === 'object' && o.reply.kind === 'row-proto');

  test('every column type and value class: the shard\'s bytes equal the main-thread encoding', async () => {
    const ok = ROWS.filter(([id]) => id <= 5);
    for (const [id] of ok) {
      const sent = shards.sent.length;
      const ours = await rawGet(encoded.port, '/kinds.KindService/GetKind', BigInt(id));
      assert.equal(rowProtoOps(sent).length, 1, `id ${id}: the shard encoded the reply`);
      const theirs = await rawGet(old.port, '/kinds.KindService/GetKind', BigInt(id));
      assert.equal(rowProtoOps(sent).length, 1, `id ${id}: without execRowProto the values come back`);
      assert.ok('bytes' in ours && 'bytes' in theirs, `id ${id}: ${JSON.stringify([ours, theirs])}`);
      assert.equal(ours.bytes.toString('hex'), theirs.bytes.toString('hex'), `id ${id}`);
    }
  });

  test('a value its field cannot carry: the same status and details on both paths', async () => {
    for (const [id, column] of [[6, 'i'], [7, 'i'], [8, 'f']] as const) {
      const ours = await rawGet(encoded.port, '/kinds.KindService/GetKind', BigInt(id));
      const theirs = await rawGet(old.port, '/kinds.KindService/GetKind', BigInt(id));
      assert.ok('code' in ours, `id ${id} should fail`);
      assert.deepEqual(ours, theirs, `id ${id}`);
      assert.equal(ours.code, grpc.status.INVALID_ARGUMENT);
      assert.match(ours.details, new RegExp(`^SQL_ERROR: column ${column} holds `));
    }
  });

  test('a missing row: NOT_FOUND with the same details on both paths', async () => {
    for (const id of [0n, 99n, -1n, 9223372036854775807n]) {
      const ours = await rawGet(encoded.port, '/kinds.KindService/GetKind', id);
      assert.deepEqual(ours, { code: grpc.status.NOT_FOUND, details: `NOT_FOUND: kinds: no row with id ${id}` });
      assert.deepEqual(await rawGet(old.port, '/kinds.KindService/GetKind', id), ours);
    }
  });

  test('a generated grpc-js client reads the message; the other RPCs still serialize objects', async () => {
    const g = encodedApi.grpc.find((x) => x.serviceName === 'kinds.KindService')!;
    const ctor = (grpc.loadPackageDefinition(g.packageDefinition)['kinds'] as Record<string, grpc.ServiceClientConstructor>)['KindService']!;
    const client = new ctor(`127.0.0.1:${encoded.port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (req: object, cb: (e: grpc.ServiceError | null, v: Record<string, unknown>) => void) => void>;
    const call = (rpc: string, req: object) => new Promise<Record<string, unknown>>((resolve, reject) => client[rpc]!.call(client, req, (e, v) => (e ? reject(e) : resolve(v))));
    try {
      const got = await call('GetKind', { id: '3' });
      assert.deepEqual({ ...got, b: [...(got['b'] as Buffer)] }, { id: '3', i: '-1', r: Infinity, t: 'a', b: [9], f: true });
      const two = await call('GetKind', { id: '2' });
      assert.deepEqual(Object.keys(two).sort(), ['b', 'f', 'i', 'id', 'o_r', 'ob', 'ofl', 'oi', 'ot', 'r', 't'], 'zero values of optional fields are present');
      assert.equal(two['ofl'], false);
      const list = await call('ListKinds', { page_size: 2 });
      assert.deepEqual((list['kinds'] as Record<string, unknown>[]).map((k) => k['id']), ['1', '2']);
    } finally {
      (client as unknown as grpc.Client).close();
    }
  });

  test('a Get that fans out (sharded by another column) answers from values, as before', async () => {
    for (const id of [1n, 4n]) {
      const sent = shards.sent.length;
      const ours = await rawGet(encoded.port, '/fanned.FannedService/GetFanned', id);
      assert.equal(rowProtoOps(sent).length, 0, 'no partition owns the row alone: values come back');
      assert.deepEqual(ours, await rawGet(old.port, '/fanned.FannedService/GetFanned', id));
      assert.ok('bytes' in ours && ours.bytes.length > 0);
    }
    assert.equal((await rawGet(encoded.port, '/fanned.FannedService/GetFanned', 77n) as { code: number }).code, grpc.status.NOT_FOUND);
  });
});
