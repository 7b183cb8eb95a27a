/**
 * The generated gRPC services on a real grpc-js server over the product's SQL engine: CRUD and
 * custom RPCs through the wire, the contract's status codes, server reflection (v1 and v1alpha)
 * returning descriptors with dependencies and proto3_optional, and a service added after DDL
 * without a restart. Python's descriptor pool (Debian python3-protobuf) — a strict client —
 * loads what reflection returns.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import { fixProto3Optional, SchemaApi, SchemaGrpcHost, type ApiSchema } from '../../src/net/schema-api/index.js';
import { engineBackend, type Backend } from './backends.js';
import { col, ordersSchema } from './fixtures.js';

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
const REFLECTION_DIR = fileURLToPath(new URL('../../../node_modules/@grpc/reflection/build/proto/', import.meta.url));
const ORDERS_DDL = "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))";

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

function clientFor(api: SchemaApi, service: string, port: number): grpc.Client {
  const g = api.grpc.find((x) => x.serviceName === service)!;
  const ctor = grpc.loadPackageDefinition(g.packageDefinition)[g.model.pkg] as Record<string, grpc.ServiceClientConstructor>;
  return new ctor[g.model.service]!(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** One reflection request/response over the bidi stream. */
function reflect(port: number, version: 'v1' | 'v1alpha', req: Msg): Promise<Msg> {
  const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [REFLECTION_DIR], keepCase: true, longs: String, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> } };
  const client = new pkg.grpc.reflection[version]!.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<Msg, Msg> }).ServerReflectionInfo();
    stream.on('data', (m: Msg) => {
      resolve(m);
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write(req);
  });
}

type FileDesc = { name: string; dependency?: string[]; messageType?: { name: string; field?: { name: string; proto3Optional?: boolean }[] }[] };
const decodeFile = (b: Uint8Array): FileDesc => descriptorExt.FileDescriptorProto.toObject(descriptorExt.FileDescriptorProto.decode(b)) as FileDesc;

describe('generated gRPC services on a running server', () => {
  let server: grpc.Server;
  let port = 0;
  let backend: Backend;
  let api: SchemaApi;
  let host: SchemaGrpcHost;
  let orders: grpc.Client;
  const calls: string[] = [];

  before(async () => {
    backend = engineBackend();
    await backend.exec(ORDERS_DDL, []);
    api = new SchemaApi(ordersSchema(), { exec: backend.exec, onInternal: (e) => { throw e; }, onGrpcCall: (route, status) => calls.push(`${route} ${status}`) });
    server = new grpc.Server();
    const statics = protoLoader.loadSync(['heliosdb/v1/database.proto', 'grpc/health/v1/health.proto'], { includeDirs: [PROTO_DIR], keepCase: true });
    fixProto3Optional(statics);
    host = new SchemaGrpcHost(server, statics);
    host.apply(api);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    orders = clientFor(api, 'orders.OrderService', port);
  });

  after(() => {
    orders?.close();
    server?.forceShutdown();
  });

  test('Create fills defaults; Get; Update with and without a mask; Delete → Empty; NOT_FOUND after', async () => {
    const created = await call(orders, 'CreateOrder', { customer_id: '12345', total_price: 9.5 });
    assert.equal(created['id'], '1');
    assert.equal(created['status'], 'pending');
    assert.equal(created['customer_id'], '12345');
    assert.equal(created['quantity'], undefined, 'NULL is an unset field');
    assert.deepEqual(await call(orders, 'GetOrder', { id: '1' }), created);
    const shipped = await call(orders, 'UpdateOrder', { id: '1', status: 'shipped', quantity: '3', update_mask: { paths: ['status'] } });
    assert.equal(shipped['status'], 'shipped');
    assert.equal(shipped['quantity'], undefined, 'a field outside the mask is not written');
    const noMask = await call(orders, 'UpdateOrder', { id: '1', quantity: '4' });
    assert.equal(noMask['quantity'], '4');
    assert.equal(noMask['status'], 'shipped');
    const cleared = await call(orders, 'UpdateOrder', { id: '1', update_mask: { paths: ['quantity'] } });
    assert.equal(cleared['quantity'], undefined, 'a masked field left unset becomes NULL');
    assert.deepEqual(await call(orders, 'DeleteOrder', { id: '1' }), {});
    const e = await callError(orders, 'GetOrder', { id: '1' });
    assert.equal(e.code, grpc.status.NOT_FOUND);
    assert.match(e.details, /NOT_FOUND: orders: no row with id 1/);
    assert.equal((await callError(orders, 'DeleteOrder', { id: '1' })).code, grpc.status.NOT_FOUND);
    assert.deepEqual(calls.slice(0, 2), ['orders.OrderService/CreateOrder OK', 'orders.OrderService/GetOrder OK']);
    assert.equal(calls.at(-1), 'orders.OrderService/DeleteOrder NOT_FOUND');
  });

  test('List pages with a token; bad order_by, masks and tokens are INVALID_ARGUMENT; duplicate key is ALREADY_EXISTS', async () => {
    for (let i = 0; i < 5; i++) await call(orders, 'CreateOrder', { customer_id: i < 3 ? '7' : '8', quantity: String(i) });
    const p1 = await call(orders, 'ListOrders', { customer_id: '7', order_by: 'quantity desc', page_size: 2 });
    assert.deepEqual((p1['orders'] as Msg[]).map((o) => o['quantity']), ['2', '1']);
    const p2 = await call(orders, 'ListOrders', { customer_id: '7', order_by: 'quantity desc', page_size: 2, page_token: p1['next_page_token'] });
    assert.deepEqual((p2['orders'] as Msg[]).map((o) => o['quantity']), ['0']);
    assert.equal(p2['next_page_token'], undefined, 'the last page has an empty token');
    for (const [rpc, req, re] of [
      ['ListOrders', { order_by: 'nope' }, /order_by: no column "nope"/],
      ['ListOrders', { page_token: 'garbage' }, /page_token is not valid/],
      ['ListOrders', { customer_id: '8', page_token: p1['next_page_token'] }, /different query/],
      ['UpdateOrder', { id: '2', update_mask: { paths: ['colour'] } }, /update_mask: no column "colour"/],
      ['UpdateOrder', { id: '2', update_mask: { paths: ['id'] } }, /primary key id cannot be changed/],
    ] as const) {
      const e = await callError(orders, rpc, req);
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT, `${rpc} ${JSON.stringify(req)}`);
      assert.match(e.details, re);
    }
    const dup = await callError(orders, 'CreateOrder', { id: '2', customer_id: '1' });
    assert.equal(dup.code, grpc.status.ALREADY_EXISTS, dup.details);
    const notNull = await callError(orders, 'UpdateOrder', { id: '2', update_mask: { paths: ['customer_id'] } });
    assert.equal(notNull.code, grpc.status.FAILED_PRECONDITION, notNull.details);
  });

  test('int64 beyond 2^53 and negative values survive the wire exactly', async () => {
    for (const v of ['9007199254740993', '-9223372036854775808', '9223372036854775807']) {
      const r = await call(orders, 'CreateOrder', { customer_id: v, total_price: -0.5 });
      assert.equal(r['customer_id'], v);
      assert.equal(r['total_price'], -0.5);
      assert.equal((await call(orders, 'GetOrder', { id: r['id'] }))['customer_id'], v);
      await call(orders, 'DeleteOrder', { id: r['id'] });
    }
  });

  test('the custom method runs its SQL with typed fields', async () => {
    const r = await call(orders, 'UpdateOrderStatus', { id: '2', status: 'lost' });
    assert.equal(r['status'], 'lost');
    assert.equal((await callError(orders, 'UpdateOrderStatus', { id: '999', status: 'x' })).code, grpc.status.NOT_FOUND);
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    test(`reflection ${version}: services listed, descriptors with dependencies and proto3_optional`, async () => {
      const list = await reflect(port, version, { list_services: '*' });
      const names = ((list['list_services_response'] as { service: { name: string }[] }).service).map((s) => s.name).sort();
      assert.deepEqual(names, ['grpc.health.v1.Health', 'heliosdb.v1.Database', 'orders.OrderService']);
      const res = await reflect(port, version, { file_containing_symbol: 'orders.OrderService' });
      const files = ((res['file_descriptor_response'] as { file_descriptor_proto: Uint8Array[] }).file_descriptor_proto).map(decodeFile);
      const own = files.find((f) => f.name === 'orders.proto')!;
      assert.deepEqual(own.dependency, ['google/protobuf/empty.proto', 'google/protobuf/field_mask.proto']);
      assert.deepEqual(files.map((f) => f.name).sort(), ['google/protobuf/empty.proto', 'google/protobuf/field_mask.proto', 'orders.proto']);
      const order = own.messageType!.find((m) => m.name === 'Order')!;
      assert.equal(order.field!.find((f) => f.name === 'status')!.proto3Optional, true);
      // The static service's file went through fixProto3Optional.
      const db = await reflect(port, version, { file_containing_symbol: 'heliosdb.v1.Database' });
      const dbFile = ((db['file_descriptor_response'] as { file_descriptor_proto: Uint8Array[] }).file_descriptor_proto).map(decodeFile).find((f) => f.messageType?.some((m) => m.name === 'ExecuteResponse'))!;
      const execResp = dbFile.messageType!.find((m) => m.name === 'ExecuteResponse')!;
      assert.equal(execResp.field!.find((f) => f.name === 'last_insert_id')!.proto3Optional, true);
      const byName = await reflect(port, version, { file_by_filename: 'google/protobuf/field_mask.proto' });
      assert.equal(decodeFile((byName['file_descriptor_response'] as { file_descriptor_proto: Uint8Array[] }).file_descriptor_proto[0]!).name, 'google/protobuf/field_mask.proto');
    });
  }

  test('after CREATE TABLE, apply() serves the new service and reflection lists it; orders keeps working', async () => {
    await backend.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)', []);
    const schema: ApiSchema = { ...ordersSchema(), tables: [...ordersSchema().tables, { name: 'customers', columns: [col('id', 'INTEGER', 1, { primaryKey: true, nullable: false }), col('name', 'TEXT', 2, { nullable: false })], primaryKey: 'id', indexes: [], shardKey: null }] };
    const before = api;
    api = api.withSchema(schema);
    // The unchanged table's gRPC side is reused, not rebuilt; a changed method list rebuilds it.
    assert.equal(api.grpc.find((g) => g.model.pkg === 'orders'), before.grpc.find((g) => g.model.pkg === 'orders'));
    assert.notEqual(api.withSchema({ ...schema, methods: [] }).grpc.find((g) => g.model.pkg === 'orders'), before.grpc.find((g) => g.model.pkg === 'orders'));
    host.apply(api);
    const customers = clientFor(api, 'customers.CustomerService', port);
    try {
      const c = await call(customers, 'CreateCustomer', { name: 'Ada' });
      assert.deepEqual(c, { id: '1', name: 'Ada' });
      assert.equal(((await call(orders, 'ListOrders', {}))['orders'] as Msg[]).length, 5);
      const list = await reflect(port, 'v1', { list_services: '*' });
      assert.ok(((list['list_services_response'] as { service: { name: string }[] }).service).some((s) => s.name === 'customers.CustomerService'));
    } finally {
      customers.close();
    }
  });

  test('Python\'s descriptor pool (a strict client) loads what reflection returns', async () => {
    assert.ok(existsSync('/usr/lib/python3/dist-packages/google/protobuf'), 'this test needs Debian python3-protobuf: apt-get install python3-protobuf');
    const res = await reflect(port, 'v1', { file_containing_symbol: 'orders.Order' });
    const bufs = (res['file_descriptor_response'] as { file_descriptor_proto: Uint8Array[] }).file_descriptor_proto;
    const dir = mkdtempSync(join(tmpdir(), 'helios-pypool-'));
    try {
      bufs.forEach((b, i) => writeFileSync(join(dir, `${i}.pb`), b));
      const script = `
import glob, sys
from google.protobuf import descriptor_pb2, descriptor_pool
files = [descriptor_pb2.FileDescriptorProto.FromString(open(p, 'rb').read()) for p in sorted(glob.glob(sys.argv[1] + '/*.pb'))]
default = descriptor_pool.Default()
fresh = descriptor_pool.DescriptorPool()
for f in sorted(files, key=lambda f: len(f.dependency)):
    if f.name.startswith('google/'):
        default.AddSerializedFile(f.SerializeToString())  # must equal the built-in well-known file
    fresh.Add(f)
m = fresh.FindMessageTypeByName('orders.Order')
print(m.fields_by_name['status'].has_presence, m.fields_by_name['customer_id'].has_presence,
      fresh.FindServiceByName('orders.OrderService').FindMethodByName('DeleteOrder').output_type.full_name)
`;
      const out = execFileSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' }).trim();
      assert.equal(out, 'True False google.protobuf.Empty');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
