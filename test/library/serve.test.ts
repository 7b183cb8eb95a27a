/**
 * `db.serve()`: the built-in REST and gRPC APIs of an embedded Database, served next to the
 * user's own grpc-js service and hyper-express routes on the same ports — a real grpc-js client
 * and plain HTTP, both seeing the same data the library writes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Database, HeliosError, type Serving, type UserGrpcService } from '../../src/index.js';
import { databaseClient, greeterClient, greeterDefinition, unary, unaryError } from './grpc-helpers.js';

describe('Database.serve with user services and routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-serve-'));
  let db: Database;
  let serving: Serving;
  let clients: grpc.Client[] = [];
  before(async () => {
    db = await Database.open({
      database: { path: join(dir, 'db') },
      api: { rest_port: 0, grpc_port: 0 },
      performance: { worker_threads: 2 },
      observability: { log_level: 'warn', metrics_enabled: false },
    });
    await db.execute('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL)');
    const greeter: UserGrpcService = {
      definition: greeterDefinition()['demo.Greeter'] as grpc.ServiceDefinition,
      implementation: {
        Hello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
          db.queryRow<{ n: number }>('SELECT count(*) AS n FROM orders WHERE customer = ?', [call.request.name]).then(
            (r) => cb(null, { message: `hello ${call.request.name}`, orders: String(r?.n ?? 0) }),
            (e: HeliosError) => cb({ code: grpc.status.INTERNAL, details: e.message }),
          );
        },
      },
    };
    serving = await db.serve({
      grpcServices: [greeter],
      restRoutes: (app) => {
        app.get('/app/orders/:customer', async (req, res) => {
          const rows = await db.query('SELECT id FROM orders WHERE customer = ? ORDER BY id', [req.path_parameters['customer']!]);
          res.json({ customer: req.path_parameters['customer'], ids: rows.map((r) => r['id']) });
        });
        app.post('/v1/custom-thing', async (_req, res) => {
          res.status(201).json({ custom: true });
        });
      },
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rest = (p: string) => `http://127.0.0.1:${serving.ports.rest}${p}`;
  const grpcAddress = () => `127.0.0.1:${serving.ports.grpc}`;

  test('ports are bound (0 picked free ones); metrics off as configured', () => {
    assert.ok((serving.ports.rest ?? 0) > 0);
    assert.ok((serving.ports.grpc ?? 0) > 0);
    assert.equal(serving.ports.metrics, null);
  });

  test('the built-in REST API and the user routes answer on one port, over the same data', async () => {
    await db.execute('INSERT INTO orders VALUES (1, ?), (2, ?), (3, ?)', ['ann', 'bob', 'ann']);
    const health = await fetch(rest('/health'));
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(rest('/ready'))).status, 200);
    const sql = await fetch(rest('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'INSERT INTO orders VALUES (4, ?)', params: ['ann'] }) });
    assert.equal(sql.status, 200);
    const mine = await fetch(rest('/app/orders/ann'));
    assert.equal(mine.status, 200);
    assert.deepEqual(await mine.json(), { customer: 'ann', ids: [1, 3, 4] });
    const custom = await fetch(rest('/v1/custom-thing'), { method: 'POST' });
    assert.equal(custom.status, 201, 'a static user route wins over the generated /v1/* routes');
    // The generated resource API serves the table created through the library.
    const row = await fetch(rest('/v1/orders/2'));
    assert.deepEqual(await row.json(), { id: 2, customer: 'bob' });
    const unknown = await fetch(rest('/app/nothing-here'));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  test('the user gRPC service and heliosdb.v1.Database answer on one port', async () => {
    const g = greeterClient(grpcAddress());
    const d = databaseClient(grpcAddress());
    clients = [g, d];
    assert.deepEqual(await unary(g, 'Hello', { name: 'ann' }), { message: 'hello ann', orders: '3' });
    const exec = await unary(d, 'Execute', { sql: 'SELECT count(*) FROM orders WHERE customer = ?', params: [{ text_value: 'bob' }] });
    assert.deepEqual((exec['rows'] as { values: Msg[] }[])[0]!.values, [{ integer_value: '1', kind: 'integer_value' }]);
    const stream = (g as unknown as { Count(req: Msg): grpc.ClientReadableStream<Msg> }).Count({ upto: 1 });
    const missing = await new Promise<grpc.ServiceError>((resolve) => {
      stream.on('data', () => assert.fail('Count has no implementation'));
      stream.on('error', resolve);
    });
    assert.equal(missing.code, grpc.status.UNIMPLEMENTED, 'a method the user left out is UNIMPLEMENTED');
    const bad = await unaryError(d, 'Execute', { sql: 'SELEC 1' });
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
  });

  test('serve is once per database; a user service clashing with a built-in one is refused', async () => {
    await assert.rejects(db.serve(), (e: unknown) => e instanceof HeliosError && e.code === 'BAD_REQUEST' && /already serving/.test(e.message));
    const d2 = mkdtempSync(join(tmpdir(), 'heliosdb-serve-'));
    const other = await Database.open({ database: { path: join(d2, 'db') }, api: { rest_port: 0, grpc_port: 0 }, performance: { worker_threads: 1 }, observability: { log_level: 'warn', metrics_enabled: false } });
    try {
      const clash: UserGrpcService = {
        definition: { Execute: { path: '/heliosdb.v1.Database/Execute', requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } } as grpc.ServiceDefinition,
        implementation: { Execute: () => undefined },
      };
      await assert.rejects(other.serve({ grpcServices: [clash] }), (e: unknown) => e instanceof HeliosError && e.code === 'BAD_REQUEST' && /grpcServices\[0\]/.test(e.message));
    } finally {
      await other.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

type Msg = Record<string, unknown>;
