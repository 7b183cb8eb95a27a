/**
 * The schema-generated APIs on the real server (the `heliosdb serve` CLI as a child process):
 * REST resource routes, /v1/schema, /v1/protos, /v1/openapi.json, gRPC services built from the
 * protos the server hands out, reflection, a [[api.methods]] custom method over both, and the API
 * following DDL (CREATE TABLE, ALTER TABLE) without a restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Validator } from '@seriousme/openapi-schema-validator';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

const REFLECTION_DIR = fileURLToPath(new URL('../../../node_modules/@grpc/reflection/build/proto/', import.meta.url));
const ORDERS_DDL = "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))";
const TOML = `
[[api.methods]]
table = "orders"
name = "UpdateOrderStatus"
sql = "UPDATE orders SET status = :status WHERE id = :id RETURNING *"

[[api.methods]]
table = "orders"
name = "ListUnsized"
sql = "SELECT * FROM orders WHERE quantity IS NULL"

# Rejected by the generators (a SELECT method must return whole rows): left out, the rest works.
[[api.methods]]
table = "orders"
name = "CountOrders"
sql = "SELECT count(*) AS n FROM orders"
`;

type Json = Record<string, unknown>;
type Msg = Record<string, unknown>;
type Unary = (req: Msg, cb: (e: grpc.ServiceError | null, v: Msg) => void) => void;

function call(client: grpc.Client, rpc: string, req: Msg): Promise<Msg> {
  return new Promise((resolve, reject) => ((client as unknown as Record<string, Unary>)[rpc]!).call(client, req, (e, v) => (e ? reject(e) : resolve(v))));
}

async function callError(client: grpc.Client, rpc: string, req: Msg): Promise<grpc.ServiceError> {
  try {
    await call(client, rpc, req);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  assert.fail(`${rpc} should fail`);
}

function listServices(port: number, version: 'v1' | 'v1alpha'): Promise<string[]> {
  const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [REFLECTION_DIR], keepCase: true, longs: String, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> } };
  const client = new pkg.grpc.reflection[version]!.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<Msg, Msg> }).ServerReflectionInfo();
    stream.on('data', (m: Msg) => {
      resolve(((m['list_services_response'] as { service: { name: string }[] }).service).map((s) => s.name).sort());
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write({ list_services: '*' });
  });
}

describe('schema-generated APIs on the running server', () => {
  let s: ServerProcess;
  let protoDir: string;
  const clients: grpc.Client[] = [];

  async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const r = await fetch(s.url(path), { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: r.status, body: (await r.json()) as Json };
  }
  const sql = (text: string) => rest('POST', '/v1/sql', { sql: text });

  /** Fetches every file of /v1/protos into a fresh directory. */
  async function fetchProtos(): Promise<string> {
    const dir = mkdtempSync(join(protoDir, 'p-'));
    const list = (await rest('GET', '/v1/protos')).body['files'] as string[];
    for (const f of list) {
      const r = await fetch(s.url(`/v1/protos/${f}`));
      assert.equal(r.status, 200, f);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), await r.text());
    }
    return dir;
  }

  /** A grpc-js client for `service`, built from the protos the server serves. */
  async function grpcClient(file: string, pkg: string, service: string): Promise<grpc.Client> {
    const dir = await fetchProtos();
    const def = protoLoader.loadSync(file, { includeDirs: [dir], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true });
    const ctor = (grpc.loadPackageDefinition(def)[pkg] as Record<string, grpc.ServiceClientConstructor>)[service]!;
    const c = new ctor(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
    clients.push(c);
    return c;
  }

  before(async () => {
    protoDir = mkdtempSync(join(tmpdir(), 'heliosdb-protos-'));
    s = await spawnServer({ toml: TOML, workerThreads: 2 });
    await waitReady(s);
  });

  after(async () => {
    for (const c of clients) c.close();
    await s.stop();
    rmSync(protoDir, { recursive: true, force: true });
  });

  test('a table created at run time gets REST routes without a restart; unknown tables are NOT_FOUND', async () => {
    const before = await rest('GET', '/v1/orders');
    assert.equal(before.status, 404);
    assert.equal((before.body['error'] as Json)['code'], 'NOT_FOUND');
    assert.equal((await sql(ORDERS_DDL)).status, 200);
    const created = await rest('POST', '/v1/orders', { customer_id: 7, total_price: 9.5 });
    assert.equal(created.status, 201);
    assert.equal(created.body['id'], 1);
    assert.equal(created.body['status'], 'pending');
    assert.equal(typeof created.body['created_at'], 'number');
    assert.equal((await rest('GET', '/v1/no_such_table')).status, 404);
    assert.equal((await rest('POST', '/v1/no_such_table', {})).status, 404);
  });

  test('REST CRUD, filters, order_by and keyset pagination with next_page_token', async () => {
    for (let i = 2; i <= 9; i++) {
      const r = await rest('POST', '/v1/orders', { customer_id: i % 2 === 0 ? 1 : 2, status: i % 3 === 0 ? 'shipped' : 'pending', total_price: i * 10, quantity: i });
      assert.equal(r.status, 201);
      assert.equal(r.body['id'], i);
    }
    const got = await rest('GET', '/v1/orders/4');
    assert.deepEqual([got.status, got.body['customer_id'], got.body['total_price'], got.body['quantity']], [200, 1, 40, 4]);

    // Walk customer 1's orders (ids 2, 4, 6, 8) newest-price first, two per page.
    const seen: number[] = [];
    let token = '';
    let pages = 0;
    do {
      const r = await rest('GET', `/v1/orders?customer_id=1&order_by=${encodeURIComponent('total_price desc')}&page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seen.push(...(r.body['orders'] as Json[]).map((o) => o['id'] as number));
      token = r.body['next_page_token'] as string;
      pages++;
    } while (token !== '' && pages < 10);
    assert.deepEqual(seen, [8, 6, 4, 2]);
    assert.equal(pages, 2);

    const shipped = await rest('GET', '/v1/orders?status=shipped');
    assert.deepEqual((shipped.body['orders'] as Json[]).map((o) => o['id']), [3, 6, 9]);

    const patched = await rest('PATCH', '/v1/orders/4', { status: 'cancelled', quantity: null });
    assert.deepEqual([patched.status, patched.body['status'], patched.body['quantity'], patched.body['total_price']], [200, 'cancelled', null, 40]);
    assert.equal((await rest('GET', '/v1/orders/4')).body['status'], 'cancelled');

    assert.equal((await rest('DELETE', '/v1/orders/9')).status, 200);
    for (const [m, body] of [['GET', undefined], ['PATCH', { status: 'x' }], ['DELETE', undefined]] as const) {
      const r = await rest(m, '/v1/orders/9', body);
      assert.equal(r.status, 404, m);
      assert.equal((r.body['error'] as Json)['code'], 'NOT_FOUND');
    }
    const bad = await rest('POST', '/v1/orders', { status: 'no customer' });
    assert.equal(bad.status, 409);
    assert.equal((bad.body['error'] as Json)['code'], 'CONSTRAINT');
    const r415 = await fetch(s.url('/v1/orders'), { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
    assert.equal(r415.status, 415);
  });

  test('REST Get is encoded in the shard (row-json): same bytes as List\'s coordinator encoding for every value class; 404 on a missing row', async () => {
    assert.equal((await sql('CREATE TABLE kinds (id INTEGER PRIMARY KEY, i INTEGER, big INTEGER, r REAL, inf REAL, t TEXT, b BLOB, n TEXT)')).status, 200);
    const ins = await sql(`INSERT INTO kinds VALUES (1, -42, 9223372036854775807, 12.5, 9e999, 'quote " ünï ✓ \\ end', X'00fe01ff', NULL), (2, 9007199254740993, -9007199254740993, -0.0, -9e999, '', X'', NULL)`);
    assert.equal(ins.status, 200, JSON.stringify(ins.body));
    for (const id of [1, 2]) {
      const got = await fetch(s.url(`/v1/kinds/${id}`));
      assert.equal(got.status, 200);
      assert.match(got.headers.get('content-type') ?? '', /^application\/json/);
      const text = await got.text();
      // List still shapes rows in the coordinator (rowsOf + rowToJson): the old Get encoding.
      const list = await fetch(s.url(`/v1/kinds?id=${id}`));
      const listed = ((await list.json()) as { kinds: unknown[] }).kinds;
      assert.equal(listed.length, 1);
      assert.equal(text, JSON.stringify(listed[0]), `row ${id}`);
    }
    const one = JSON.parse(await (await fetch(s.url('/v1/kinds/1'))).text()) as Json;
    assert.deepEqual(one, { id: 1, i: -42, big: '9223372036854775807', r: 12.5, inf: null, t: 'quote " ünï ✓ \\ end', b: { base64: 'AP4B/w==' }, n: null });
    for (const missing of ['3', '-1', '9223372036854775807']) {
      const r = await rest('GET', `/v1/kinds/${missing}`);
      assert.equal(r.status, 404, missing);
      assert.equal((r.body['error'] as Json)['code'], 'NOT_FOUND');
      assert.match(String((r.body['error'] as Json)['message']), new RegExp(`no row with id ${missing}`));
    }
  });

  test('gRPC GetKind is encoded in the shard (row-proto): same bytes as ListKinds\' coordinator encoding; NOT_FOUND on a missing row', async () => {
    // Raw calls (bytes in, bytes out): what a client receives, before any decoding.
    const raw = (path: string, id: number): Promise<{ bytes?: Buffer; err?: grpc.ServiceError }> => {
      const client = new grpc.Client(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
      return new Promise((resolve) => client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x08, id]), (err, res) => {
        client.close();
        resolve(err ? { err } : { bytes: res! });
      }));
    };
    for (const id of [1, 2]) {
      const got = await raw('/kinds.KindService/GetKind', id);
      assert.ok(got.bytes, got.err?.details);
      // ListKinds (filter id = ?) still encodes in the coordinator: its one `kinds` entry is the old Get reply.
      const list = (await raw('/kinds.KindService/ListKinds', id)).bytes!;
      assert.equal(list[0], 0x0a, 'field 1, length-delimited');
      assert.ok(list[1]! < 0x80);
      assert.equal(got.bytes.toString('hex'), list.subarray(2, 2 + list[1]!).toString('hex'), `row ${id}`);
      assert.equal(list.length, 2 + list[1]!, 'one row, no next page');
    }
    const kinds = await grpcClient('kinds.proto', 'kinds', 'KindService');
    const one = await call(kinds, 'GetKind', { id: '1' });
    const fields = ['id', 'i', 'big', 'r', 'inf', 't', 'b', 'n'].map((k) => [k, k === 'b' ? [...(one[k] as Buffer)] : one[k]]);
    assert.deepEqual(fields, [['id', '1'], ['i', '-42'], ['big', '9223372036854775807'], ['r', 12.5], ['inf', Infinity], ['t', 'quote " ünï ✓ \\ end'], ['b', [0, 254, 1, 255]], ['n', undefined]]);
    const e = await callError(kinds, 'GetKind', { id: '3' });
    assert.equal(e.code, grpc.status.NOT_FOUND);
    assert.equal(e.details, 'NOT_FOUND: kinds: no row with id 3');
    // A value its field cannot carry fails in the shard; the error crosses the ring and reads as List's does.
    assert.equal((await sql("INSERT INTO kinds (id, i) VALUES (5, 'not a number')")).status, 200);
    const misfit = await raw('/kinds.KindService/GetKind', 5);
    assert.equal(misfit.err?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(misfit.err.details, 'SQL_ERROR: column i holds TEXT "not a number", which its gRPC type int64 cannot carry');
    assert.equal((await raw('/kinds.KindService/ListKinds', 5)).err?.details, misfit.err.details);
  });

  test('gRPC point reads (GetOrder, Execute) are served from the shards\' pages: right rows, NOT_FOUND, errors unchanged', async () => {
    const pagesServed = async (): Promise<number> => {
      const m = await (await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`)).text();
      return Number(/^heliosdb_point_reads_total\{outcome="pages"\} (\S+)$/m.exec(m)?.[1] ?? 0);
    };
    const made: { id: string; customer: number; price: number }[] = [];
    for (let i = 0; i < 24; i++) {
      const r = await rest('POST', '/v1/orders', { customer_id: 9000 + i, total_price: i + 0.25, quantity: 1 });
      made.push({ id: String(r.body['id']), customer: 9000 + i, price: i + 0.25 });
    }
    const orders = await grpcClient('orders.proto', 'orders', 'OrderService');
    const dir = await fetchProtos();
    const dbDef = protoLoader.loadSync('heliosdb/v1/database.proto', { includeDirs: [dir], keepCase: true, longs: String, defaults: false, oneofs: true });
    const Database = ((grpc.loadPackageDefinition(dbDef)['heliosdb'] as grpc.GrpcObject)['v1'] as Record<string, grpc.ServiceClientConstructor>)['Database']!;
    const db = new Database(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
    clients.push(db);
    for (const o of made) await call(orders, 'GetOrder', { id: o.id }); // every partition located
    const before = await pagesServed();
    for (let round = 0; round < 2; round++) {
      for (const o of made) {
        const got = await call(orders, 'GetOrder', { id: o.id });
        assert.deepEqual([got['id'], got['customer_id'], got['total_price']], [o.id, String(o.customer), o.price], `GetOrder ${o.id}`);
        const ex = await call(db, 'Execute', { sql: 'SELECT * FROM orders WHERE id = ?', params: [{ integer_value: o.id }] });
        const rows = ex['rows'] as { values: Msg[] }[];
        assert.equal(rows.length, 1, `Execute ${o.id}`);
        assert.deepEqual([rows[0]!.values[0]!['integer_value'], rows[0]!.values[1]!['integer_value'], rows[0]!.values[3]!['real_value']], [o.id, String(o.customer), o.price]);
        assert.equal((ex['columns'] as string[]).join(','), 'id,customer_id,status,total_price,quantity,created_at');
      }
    }
    const served = (await pagesServed()) - before;
    assert.ok(served >= made.length * 4 * 0.9, `GetOrder and Execute read from the pages: ${served} of ${made.length * 4}`);
    const missing = await callError(orders, 'GetOrder', { id: '987654321' });
    assert.equal(missing.code, grpc.status.NOT_FOUND);
    assert.equal(missing.details, 'NOT_FOUND: orders: no row with id 987654321');
    const none = await call(db, 'Execute', { sql: 'SELECT * FROM orders WHERE id = ?', params: [{ integer_value: '987654321' }] });
    assert.equal(none['rows'], undefined, 'no row: an empty result, as through the shard');
    // A request that does not decode is the async path's to report, unchanged.
    const garbage = await new Promise<grpc.ServiceError | null>((resolve) => db.makeUnaryRequest('/heliosdb.v1.Database/Execute', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x7f, 0x01]), (err) => resolve(err)));
    assert.equal(garbage?.code, grpc.status.INVALID_ARGUMENT);
    for (const o of made) assert.equal((await fetch(s.url(`/v1/orders/${o.id}`), { method: 'DELETE' })).status, 200, 'leave orders as the next tests expect');
  });

  test('a [[api.methods]] custom method answers over REST', async () => {
    const r = await rest('POST', '/v1/orders:updateOrderStatus', { id: 2, status: 'returned' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body['id'], r.body['status']], [2, 'returned']);
    assert.equal((await rest('POST', '/v1/orders:updateOrderStatus', { id: 999, status: 'x' })).status, 404);
    // A method without parameters needs no body at all.
    const unsized = await fetch(s.url('/v1/orders:listUnsized'), { method: 'POST' });
    assert.equal(unsized.status, 200);
    assert.deepEqual(((await unsized.json()) as { orders: Json[] }).orders.map((o) => o['id']).sort(), [1, 4]);
    // An unknown verb, or the rejected method, on an existing table is NOT_FOUND.
    assert.equal((await rest('POST', '/v1/orders:noSuchMethod', {})).status, 404);
    assert.equal((await rest('POST', '/v1/orders:countOrders', {})).status, 404);
    assert.ok(s.lines.some((l) => l['msg'] === 'custom method left out of the generated API' && l['method'] === 'CountOrders'));
  });

  test('/v1/schema describes the catalog: columns, keys, defaults, indexes, field numbers', async () => {
    assert.equal((await sql('CREATE INDEX orders_by_customer ON orders (customer_id)')).status, 200);
    const r = await rest('GET', '/v1/schema');
    const orders = (r.body['tables'] as Json[]).find((t) => t['name'] === 'orders')!;
    assert.deepEqual(orders['primary_key'], ['id']);
    assert.equal(orders['shard_key'], null);
    const cols = orders['columns'] as Json[];
    assert.deepEqual(cols.map((c) => [c['name'], c['type'], c['nullable'], c['default'], c['primary_key'], c['field_number']]), [
      ['id', 'INTEGER', false, null, true, 1],
      ['customer_id', 'INTEGER', false, null, false, 2],
      ['status', 'TEXT', true, "'pending'", false, 3],
      ['total_price', 'REAL', true, null, false, 4],
      ['quantity', 'INTEGER', true, null, false, 5],
      ['created_at', 'INTEGER', true, "strftime('%s','now')", false, 6],
    ]);
    assert.equal(cols[0]!['auto_increment'], true);
    assert.deepEqual(orders['indexes'], [{ name: 'orders_by_customer', columns: ['customer_id'], unique: false }]);
  });

  test('/v1/openapi.json is valid OpenAPI 3.1 and lists the generated routes', async () => {
    const doc = (await rest('GET', '/v1/openapi.json')).body as { paths: Record<string, unknown> };
    const v = new Validator();
    const res = await v.validate(doc);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1));
    for (const p of ['/v1/orders', '/v1/orders/{id}', '/v1/orders:updateOrderStatus', '/v1/sql']) assert.ok(doc.paths[p], p);
  });

  test('gRPC: a grpc-js client built from /v1/protos runs CRUD and the custom method on orders.OrderService', async () => {
    const protos = (await rest('GET', '/v1/protos')).body['files'] as string[];
    for (const f of ['heliosdb/v1/database.proto', 'orders.proto', 'google/protobuf/empty.proto', 'google/protobuf/field_mask.proto']) assert.ok(protos.includes(f), f);
    const orders = await grpcClient('orders.proto', 'orders', 'OrderService');
    const created = await call(orders, 'CreateOrder', { customer_id: '42', total_price: 1.25 });
    const id = created['id'] as string;
    assert.equal(created['status'], 'pending');
    assert.equal((await call(orders, 'GetOrder', { id }))['customer_id'], '42');
    const listed = await call(orders, 'ListOrders', { customer_id: '42' });
    assert.deepEqual((listed['orders'] as Msg[]).map((o) => o['id']), [id]);
    const updated = await call(orders, 'UpdateOrder', { id, status: 'shipped', quantity: '5', update_mask: { paths: ['status'] } });
    assert.deepEqual([updated['status'], updated['quantity']], ['shipped', undefined]);
    const custom = await call(orders, 'UpdateOrderStatus', { id, status: 'delivered' });
    assert.equal(custom['status'], 'delivered');
    assert.equal((await rest('GET', `/v1/orders/${id}`)).body['status'], 'delivered');
    await call(orders, 'DeleteOrder', { id });
    assert.equal((await callError(orders, 'GetOrder', { id })).code, grpc.status.NOT_FOUND);
  });

  test('Python: protoc + grpc_python_plugin compile the fetched protos and the stubs run CRUD and the custom method', async () => {
    for (const f of ['/usr/bin/protoc', '/usr/bin/grpc_python_plugin', '/usr/lib/python3/dist-packages/grpc']) {
      assert.ok(existsSync(f), `this test needs ${f}: apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf (.ci/run does)`);
    }
    const dir = await fetchProtos();
    const out = join(dir, 'py');
    mkdirSync(out);
    execFileSync('/usr/bin/protoc', [`-I${dir}`, `--python_out=${out}`, `--grpc_python_out=${out}`, '--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin', 'orders.proto']);
    // The generated code imports google.protobuf.empty_pb2/field_mask_pb2 from the installed
    // package: our served WKT files must agree with them, or the import fails.
    const script = `
import sys, json, grpc
sys.path.insert(0, sys.argv[1])
import orders_pb2 as pb, orders_pb2_grpc as rpc
from google.protobuf import field_mask_pb2
stub = rpc.OrderServiceStub(grpc.insecure_channel('127.0.0.1:' + sys.argv[2]))
o = stub.CreateOrder(pb.CreateOrderRequest(customer_id=77, quantity=3))
got = stub.GetOrder(pb.GetOrderRequest(id=o.id))
listed = stub.ListOrders(pb.ListOrdersRequest(customer_id=77))
upd = stub.UpdateOrder(pb.UpdateOrderRequest(id=o.id, total_price=12.5, update_mask=field_mask_pb2.FieldMask(paths=['total_price'])))
cm = stub.UpdateOrderStatus(pb.UpdateOrderStatusRequest(id=o.id, status='py'))
stub.DeleteOrder(pb.DeleteOrderRequest(id=o.id))
try:
    stub.GetOrder(pb.GetOrderRequest(id=o.id)); gone = 'still there'
except grpc.RpcError as e:
    gone = e.code().name
print(json.dumps({'status': o.status, 'has_price': o.HasField('total_price'), 'got': got.customer_id, 'listed': [x.id for x in listed.orders] == [o.id],
                  'price': upd.total_price, 'quantity': upd.quantity, 'custom': cm.status, 'gone': gone}))
`;
    const res = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, out, String(s.ports.grpc)], { encoding: 'utf8' })) as Json;
    assert.deepEqual(res, { status: 'pending', has_price: false, got: 77, listed: true, price: 12.5, quantity: 3, custom: 'py', gone: 'NOT_FOUND' });
  });

  test('Python: the Database stub streams Query rows as they come (protoc-compiled database.proto)', async () => {
    for (const f of ['/usr/bin/protoc', '/usr/bin/grpc_python_plugin', '/usr/lib/python3/dist-packages/grpc']) {
      assert.ok(existsSync(f), `this test needs ${f}: apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf (.ci/run does)`);
    }
    const dir = await fetchProtos();
    const out = join(dir, 'pyq');
    mkdirSync(out);
    execFileSync('/usr/bin/protoc', [`-I${dir}`, `--python_out=${out}`, `--grpc_python_out=${out}`, '--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin', 'heliosdb/v1/database.proto']);
    const script = `
import sys, json, grpc
sys.path.insert(0, sys.argv[1])
from heliosdb.v1 import database_pb2 as pb, database_pb2_grpc as rpc
stub = rpc.DatabaseStub(grpc.insecure_channel('127.0.0.1:' + sys.argv[2]))
stub.Execute(pb.ExecuteRequest(sql='CREATE TABLE py_stream (id INTEGER PRIMARY KEY, label TEXT)'))
stub.Execute(pb.ExecuteRequest(sql="INSERT INTO py_stream WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x, 'row ' || x FROM c"))
messages, rows, columns, later_columns = 0, [], None, 0
for m in stub.Query(pb.QueryRequest(sql='SELECT id, label FROM py_stream WHERE id > ? ORDER BY id DESC', params=[pb.Value(integer_value=100)]), timeout=30):
    if messages == 0: columns = list(m.columns)
    else: later_columns += len(m.columns)
    messages += 1
    rows.extend((r.values[0].integer_value, r.values[1].text_value) for r in m.rows)
try:
    for m in stub.Query(pb.QueryRequest(sql='SELECT * FROM no_such_table')): pass
    bad = 'no error'
except grpc.RpcError as e:
    bad = e.code().name
print(json.dumps({'columns': columns, 'later_columns': later_columns, 'messages': messages, 'count': len(rows),
                  'content': rows == [(i, 'row %d' % i) for i in range(20000, 100, -1)], 'bad': bad}))
`;
    const res = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, out, String(s.ports.grpc)], { encoding: 'utf8' })) as Json;
    assert.ok((res['messages'] as number) >= 3, `rows arrived in ${String(res['messages'])} messages`);
    delete res['messages'];
    assert.deepEqual(res, { columns: ['id', 'label'], later_columns: 0, count: 19_900, content: true, bad: 'INVALID_ARGUMENT' });
  });

  test('reflection (v1 and v1alpha) lists the static and the generated services', async () => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const names = await listServices(s.ports.grpc, version);
      for (const n of ['grpc.health.v1.Health', 'heliosdb.v1.Database', 'orders.OrderService']) assert.ok(names.includes(n), `${version}: ${n} in ${names.join(', ')}`);
    }
    // Health checks know the generated services too.
    const dir = await fetchProtos();
    const def = protoLoader.loadSync('grpc/health/v1/health.proto', { includeDirs: [dir], keepCase: true, enums: String });
    const Health = (grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }).grpc.health.v1.Health;
    const health = new Health(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
    clients.push(health);
    assert.equal((await call(health, 'Check', { service: 'orders.OrderService' }))['status'], 'SERVING');
    assert.equal((await callError(health, 'Check', { service: 'nope.NopeService' })).code, grpc.status.NOT_FOUND);
  });

  test('DDL at run time: a new table gets its gRPC service; ADD/RENAME COLUMN keep field numbers', async () => {
    assert.equal((await sql('CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT NOT NULL)')).status, 200);
    assert.ok((await listServices(s.ports.grpc, 'v1')).includes('customers.CustomerService'));
    const customers = await grpcClient('customers.proto', 'customers', 'CustomerService');
    const c = await call(customers, 'CreateCustomer', { customer_id: '5', name: 'Ada' });
    assert.deepEqual([c['customer_id'], c['name']], ['5', 'Ada']);

    assert.equal((await sql('ALTER TABLE customers ADD COLUMN email TEXT')).status, 200);
    assert.equal((await sql('ALTER TABLE customers RENAME COLUMN name TO full_name')).status, 200);
    const t = ((await rest('GET', '/v1/schema')).body['tables'] as Json[]).find((x) => x['name'] === 'customers')!;
    assert.deepEqual((t['columns'] as Json[]).map((x) => [x['name'], x['field_number']]), [['customer_id', 1], ['full_name', 2], ['email', 3]]);
    const proto = await (await fetch(s.url('/v1/protos/customers.proto'))).text();
    assert.match(proto, /string full_name = 2;/);
    assert.match(proto, /optional string email = 3;/);
    // The REST side follows too, and the old client's field 2 still lands in the renamed column.
    const got = await rest('GET', '/v1/customers/5');
    assert.deepEqual([got.body['full_name'], got.body['email']], ['Ada', null]);
    const viaOldClient = await call(customers, 'GetCustomer', { customer_id: '5' });
    assert.equal(viaOldClient['name'], 'Ada');

    assert.equal((await sql('DROP TABLE customers')).status, 200);
    assert.equal((await rest('GET', '/v1/customers/5')).status, 404);
    assert.ok(!(await listServices(s.ports.grpc, 'v1')).includes('customers.CustomerService'));
    assert.equal((await callError(customers, 'GetCustomer', { customer_id: '5' })).code, grpc.status.UNIMPLEMENTED);
  });
});

describe('schema-generated APIs: configuration and restart', () => {
  const post = (s: ServerProcess, path: string, body: unknown) => fetch(s.url(path), { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  test('[schema] auto_generate_rest/auto_generate_grpc = false: no resource routes, no generated services or protos', async () => {
    const s = await spawnServer({ toml: '[schema]\nauto_generate_rest = false\nauto_generate_grpc = false\n' });
    try {
      await waitReady(s);
      assert.equal((await post(s, '/v1/sql', { sql: ORDERS_DDL })).status, 200);
      assert.equal((await post(s, '/v1/orders', { customer_id: 1 })).status, 404);
      assert.equal((await fetch(s.url('/v1/orders'))).status, 404);
      const files = ((await (await fetch(s.url('/v1/protos'))).json()) as { files: string[] }).files;
      assert.ok(files.includes('heliosdb/v1/database.proto') && !files.includes('orders.proto'), files.join(', '));
      const names = await listServices(s.ports.grpc, 'v1');
      assert.ok(names.includes('heliosdb.v1.Database') && !names.includes('orders.OrderService'), names.join(', '));
      const doc = (await (await fetch(s.url('/v1/openapi.json'))).json()) as { paths: Record<string, unknown> };
      assert.ok(doc.paths['/v1/sql'] && !doc.paths['/v1/orders']);
      // The schema itself is still described.
      const schema = (await (await fetch(s.url('/v1/schema'))).json()) as { tables: { name: string }[] };
      assert.deepEqual(schema.tables.map((t) => t.name), ['orders']);
    } finally {
      await s.stop();
    }
  });

  test('after a restart the routes answer at once and field numbers are unchanged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'heliosdb-restart-'));
    try {
      let s = await spawnServer({ dataDir });
      await waitReady(s);
      assert.equal((await post(s, '/v1/sql', { sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)' })).status, 200);
      assert.equal((await post(s, '/v1/sql', { sql: 'ALTER TABLE notes ADD COLUMN tag TEXT' })).status, 200);
      assert.equal((await post(s, '/v1/sql', { sql: 'ALTER TABLE notes RENAME COLUMN body TO text' })).status, 200);
      assert.equal((await post(s, '/v1/notes', { id: 1, text: 'hello', tag: 't' })).status, 201);
      const proto = await (await fetch(s.url('/v1/protos/notes.proto'))).text();
      await s.stop();
      s = await spawnServer({ dataDir });
      try {
        await waitReady(s);
        const got = await fetch(s.url('/v1/notes/1'));
        assert.equal(got.status, 200);
        assert.deepEqual(await got.json(), { id: 1, text: 'hello', tag: 't' });
        assert.equal(await (await fetch(s.url('/v1/protos/notes.proto'))).text(), proto);
        assert.ok((await listServices(s.ports.grpc, 'v1')).includes('notes.NoteService'));
      } finally {
        await s.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
