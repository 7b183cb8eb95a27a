/**
 * The resource operations and their REST form, against the product's SQL engine and SQLite in
 * lockstep: the SQL each operation produces, the JSON each route answers, 404/400 cases,
 * keyset pagination (a seeded property test against one unpaginated ORDER BY), page tokens.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import { buildModels, PageTokens, planOperation, SchemaApi, type ApiSchema, type ApiValue, type Operation, type RestReply } from '../../src/net/schema-api/index.js';
import { rng, seedFromEnv } from '../sql/helpers.js';
import { BACKENDS, engineBackend, sqliteBackend, type Backend } from './backends.js';
import { col, ordersSchema } from './fixtures.js';

const ORDERS_DDL = "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))";

async function setup(make: () => Backend, schema: ApiSchema = ordersSchema(), ddl = [ORDERS_DDL]): Promise<{ b: Backend; api: SchemaApi }> {
  const b = make();
  for (const s of ddl) await b.exec(s, []);
  b.log.length = 0;
  return { b, api: new SchemaApi(schema, { exec: b.exec }) };
}

async function rest(api: SchemaApi, method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<RestReply> {
  const r = await api.rest({ method, path, query, body });
  assert.ok(r, `${method} ${path} is a resource route`);
  return r;
}

async function restError(api: SchemaApi, method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<HeliosError> {
  try {
    await api.rest({ method, path, query, body });
  } catch (e) {
    assert.ok(e instanceof HeliosError, String(e));
    return e;
  }
  assert.fail(`${method} ${path} should fail`);
}

describe('the SQL of each operation', () => {
  const m = buildModels(ordersSchema())[0]!;
  const tokens = new PageTokens(Buffer.alloc(32, 7));
  const plan = (op: Operation) => planOperation(m, op, tokens);

  test('create, get, update, delete, custom', () => {
    assert.deepEqual(plan({ kind: 'create', values: [['customer_id', 7n], ['status', 'new']] }), { sql: 'INSERT INTO "orders" ("customer_id", "status") VALUES (?1, ?2) RETURNING *', params: [7n, 'new'] });
    assert.deepEqual(plan({ kind: 'create', values: [] }), { sql: 'INSERT INTO "orders" DEFAULT VALUES RETURNING *', params: [] });
    assert.deepEqual(plan({ kind: 'get', id: 42n }), { sql: 'SELECT * FROM "orders" WHERE "id" = ?1', params: [42n] });
    assert.deepEqual(plan({ kind: 'update', id: 42n, set: [['status', 'shipped'], ['quantity', null]] }), { sql: 'UPDATE "orders" SET "status" = ?1, "quantity" = ?2 WHERE "id" = ?3 RETURNING *', params: ['shipped', null, 42n] });
    assert.deepEqual(plan({ kind: 'update', id: 42n, set: [] }), { sql: 'SELECT * FROM "orders" WHERE "id" = ?1', params: [42n] });
    assert.deepEqual(plan({ kind: 'delete', id: 42n }), { sql: 'DELETE FROM "orders" WHERE "id" = ?1', params: [42n] });
    assert.deepEqual(plan({ kind: 'custom', method: m.methods[0]!, params: ['shipped', 42n] }), { sql: 'UPDATE orders SET status = ?1 WHERE id = ?2 RETURNING *', params: ['shipped', 42n] });
  });

  test('list: filters, order_by with the key as tie-breaker, LIMIT page_size + 1, keyset after a token', async () => {
    const first = plan({ kind: 'list', filters: [['customer_id', 12345n]], orderBy: 'created_at desc', pageSize: 10, pageToken: '' });
    assert.deepEqual(first, { sql: 'SELECT * FROM "orders" WHERE "customer_id" = ?1 ORDER BY "created_at" DESC, "id" LIMIT ?2', params: [12345n, 11n] });
    assert.deepEqual(plan({ kind: 'list', filters: [], orderBy: '', pageSize: 0, pageToken: '' }).params, [51n]);
    assert.deepEqual(plan({ kind: 'list', filters: [], orderBy: '', pageSize: 5000, pageToken: '' }).params, [1001n]);
    // The token of a page that ended at (created_at 100, id 5):
    const token = await tokenAfter(tokens, 100n);
    const next = plan({ kind: 'list', filters: [['customer_id', 12345n]], orderBy: 'created_at desc', pageSize: 10, pageToken: token });
    assert.equal(next.sql, 'SELECT * FROM "orders" WHERE "customer_id" = ?1 AND ((("created_at" < ?2 OR "created_at" IS NULL)) OR ("created_at" = ?3 AND "id" > ?4)) ORDER BY "created_at" DESC, "id" LIMIT ?5');
    assert.deepEqual(next.params, [12345n, 100n, 100n, 5n, 11n]);
    const afterNull = plan({ kind: 'list', filters: [['customer_id', 12345n]], orderBy: 'created_at desc', pageSize: 10, pageToken: await tokenAfter(tokens, null) });
    assert.equal(afterNull.sql, 'SELECT * FROM "orders" WHERE "customer_id" = ?1 AND "created_at" IS NULL AND "id" > ?2 ORDER BY "created_at" DESC, "id" LIMIT ?3');
  });

  test('bad order_by, filters and page sizes are BAD_REQUEST naming the problem', () => {
    const bad = (op: Operation, re: RegExp) => assert.throws(() => plan(op), (e: unknown) => e instanceof HeliosError && e.code === 'BAD_REQUEST' && re.test(e.message));
    const list = (o: Partial<Operation & { kind: 'list' }>): Operation => ({ kind: 'list', filters: [], orderBy: '', pageSize: 0, pageToken: '', ...o });
    bad(list({ orderBy: 'nope desc' }), /order_by: no column "nope"/);
    bad(list({ orderBy: 'status sideways' }), /must be asc or desc/);
    bad(list({ orderBy: 'status, status desc' }), /appears twice/);
    bad(list({ orderBy: 'status,' }), /term 2/);
    bad(list({ filters: [['colour', 'red']] }), /no column "colour"/);
    bad(list({ pageSize: -1 }), /page_size/);
    bad({ kind: 'create', values: [['id', 1n], ['ID', 2n]] }, /given twice/);
  });
});

/**
 * A real next_page_token for `GET /v1/orders?customer_id=12345&order_by=created_at desc&page_size=1`
 * whose page ended at the row (id 5, created_at `createdAt`): the API runs over a stub exec.
 */
async function tokenAfter(tokens: PageTokens, createdAt: ApiValue): Promise<string> {
  const columns = ['id', 'customer_id', 'status', 'total_price', 'quantity', 'created_at'];
  const rows = [[5n, 12345n, 'x', null, null, createdAt], [6n, 12345n, 'y', null, null, null]];
  const api = new SchemaApi(ordersSchema(), { exec: async () => ({ columns, rows, rowsAffected: 0 }) }, tokens);
  const r = await rest(api, 'GET', '/v1/orders', undefined, { customer_id: '12345', order_by: 'created_at desc', page_size: '1' });
  const token = (r.body as { next_page_token: string }).next_page_token;
  assert.notEqual(token, '');
  return token;
}

for (const make of BACKENDS) {
  describe(`REST resource routes over ${make().name}`, () => {
    test('create fills in the generated key and defaults; get, patch, delete; 404s', async () => {
      const { api } = await setup(make);
      const created = await rest(api, 'POST', '/v1/orders', { customer_id: 12345, total_price: 9.5 });
      assert.equal(created.status, 201);
      const row = created.body as Record<string, unknown>;
      assert.equal(row['id'], 1);
      assert.equal(row['status'], 'pending');
      assert.equal(row['customer_id'], 12345);
      assert.equal(row['total_price'], 9.5);
      assert.equal(row['quantity'], null);
      assert.equal(typeof row['created_at'], 'number');
      assert.deepEqual(Object.keys(row), ['id', 'customer_id', 'status', 'total_price', 'quantity', 'created_at']);

      assert.deepEqual(await rest(api, 'GET', '/v1/orders/1'), { status: 200, body: row });
      const patched = await rest(api, 'PATCH', '/v1/orders/1', { status: 'shipped', quantity: 3, id: 1 });
      assert.deepEqual(patched, { status: 200, body: { ...row, status: 'shipped', quantity: 3 } });
      // PATCH may set NULL.
      assert.equal(((await rest(api, 'PATCH', '/v1/orders/1', { quantity: null })).body as Record<string, unknown>)['quantity'], null);
      assert.deepEqual(await rest(api, 'DELETE', '/v1/orders/1'), { status: 200, body: {} });

      for (const [method, body] of [['GET', undefined], ['PATCH', { status: 'x' }], ['DELETE', undefined]] as const) {
        const e = await restError(api, method, '/v1/orders/1', body);
        assert.equal(e.code, 'NOT_FOUND', method);
        assert.match(e.message, /orders: no row with id 1/);
      }
    });

    test('values per the contract: big integers as strings, BLOBs as base64, booleans as 1/0', async () => {
      const schema: ApiSchema = {
        tables: [{ name: 'things', columns: [col('k', 'TEXT', 1, { primaryKey: true, nullable: false }), col('big', 'INTEGER', 2), col('raw', 'BLOB', 3), col('ok', 'BOOLEAN', 4)], primaryKey: 'k', indexes: [], shardKey: null }],
        methods: [],
      };
      const { api } = await setup(make, schema, ['CREATE TABLE things (k TEXT PRIMARY KEY NOT NULL, big INTEGER, raw BLOB, ok BOOLEAN)']);
      const r = await rest(api, 'POST', '/v1/things', { k: 'a/b c', big: '9007199254740993', raw: { base64: 'AAEC/w==' }, ok: true });
      assert.deepEqual(r.body, { k: 'a/b c', big: '9007199254740993', raw: { base64: 'AAEC/w==' }, ok: 1 });
      // The key is percent-decoded from the path; a BLOB filter is base64 in the query.
      assert.deepEqual((await rest(api, 'GET', '/v1/things/a%2Fb%20c')).body, r.body);
      assert.deepEqual((await rest(api, 'GET', '/v1/things', undefined, { raw: 'AAEC/w==', big: '9007199254740993' })).body, { things: [r.body], next_page_token: '' });
      const e = await restError(api, 'POST', '/v1/things', { k: 'z', raw: { hex: '00' } });
      assert.equal(e.code, 'BAD_REQUEST');
      assert.match(e.message, /column raw: expected null, a number/);
    });

    test('list: filters, order_by, page_size, and the last page says ""', async () => {
      const { api } = await setup(make);
      for (let i = 0; i < 7; i++) await rest(api, 'POST', '/v1/orders', { customer_id: i % 2 === 0 ? 12345 : 7, quantity: i, created_at: 1000 + (i % 3) });
      const page1 = await rest(api, 'GET', '/v1/orders', undefined, { customer_id: '12345', order_by: 'created_at desc', page_size: '2' });
      const b1 = page1.body as { orders: { id: number; created_at: number }[]; next_page_token: string };
      assert.deepEqual(b1.orders.map((o) => [o.created_at, o.id]), [[1002, 3], [1001, 5]]);
      assert.notEqual(b1.next_page_token, '');
      const page2 = (await rest(api, 'GET', '/v1/orders', undefined, { customer_id: '12345', order_by: 'created_at desc', page_size: '2', page_token: b1.next_page_token })).body as typeof b1;
      assert.deepEqual(page2.orders.map((o) => [o.created_at, o.id]), [[1000, 1], [1000, 7]]);
      assert.equal(page2.next_page_token, '');
      // Default page size and order (by key).
      const all = (await rest(api, 'GET', '/v1/orders')).body as typeof b1;
      assert.deepEqual(all.orders.map((o) => o.id), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(all.next_page_token, '');
      // A token only continues the query it came from.
      const e = await restError(api, 'GET', '/v1/orders', undefined, { customer_id: '7', order_by: 'created_at desc', page_size: '2', page_token: b1.next_page_token });
      assert.equal(e.code, 'BAD_REQUEST');
      assert.match(e.message, /different query/);
      for (const [q, re] of [[{ colour: 'red' }, /no column of that name/], [{ customer_id: 'abc' }, /not an integer/], [{ page_size: '-3' }, /page_size/], [{ order_by: 'id up' }, /asc or desc/]] as const) {
        const err = await restError(api, 'GET', '/v1/orders', undefined, q);
        assert.equal(err.code, 'BAD_REQUEST');
        assert.match(err.message, re);
      }
    });

    test('custom method: named parameters from the body, the row back, 404 when none matched', async () => {
      const { api, b } = await setup(make);
      await rest(api, 'POST', '/v1/orders', { customer_id: 1 });
      const r = await rest(api, 'POST', '/v1/orders:updateOrderStatus', { id: 1, status: 'shipped' });
      assert.equal((r.body as Record<string, unknown>)['status'], 'shipped');
      assert.deepEqual(b.log.at(-1), { sql: 'UPDATE orders SET status = ?1 WHERE id = ?2 RETURNING *', params: ['shipped', 1n] });
      assert.equal((await restError(api, 'POST', '/v1/orders:updateOrderStatus', { id: 99, status: 'x' })).code, 'NOT_FOUND');
      assert.match((await restError(api, 'POST', '/v1/orders:updateOrderStatus', { id: 1, colour: 'x' })).message, /no parameter "colour"/);
    });

    test('custom methods that select rows answer all of them; ones that return nothing answer {}', async () => {
      const schema = ordersSchema();
      schema.methods.push(
        { table: 'orders', name: 'OrdersOfCustomer', sql: 'SELECT * FROM orders WHERE customer_id = :customer ORDER BY id DESC' },
        { table: 'orders', name: 'Purge', sql: 'DELETE FROM orders WHERE status = :status' },
      );
      const { api } = await setup(make, schema);
      for (const c of [1, 2, 1]) await rest(api, 'POST', '/v1/orders', { customer_id: c });
      const r = await rest(api, 'POST', '/v1/orders:ordersOfCustomer', { customer: 1 });
      assert.deepEqual((r.body as { orders: { id: number }[] }).orders.map((o) => o.id), [3, 1]);
      assert.deepEqual(await rest(api, 'POST', '/v1/orders:purge', { status: 'pending' }), { status: 200, body: {} });
      assert.deepEqual(((await rest(api, 'GET', '/v1/orders')).body as { orders: unknown[] }).orders, []);
    });

    test('routing: unknown tables, verbs and methods are not resource routes or 404', async () => {
      const { api } = await setup(make);
      assert.equal(await api.rest({ method: 'GET', path: '/v1/nope', query: {}, body: undefined }), null);
      assert.equal(await api.rest({ method: 'POST', path: '/v1/orders:nope', query: {}, body: {} }), null);
      assert.equal(await api.rest({ method: 'GET', path: '/v1/sql', query: {}, body: undefined }), null);
      assert.equal((await restError(api, 'PUT', '/v1/orders/1', {})).code, 'NOT_FOUND');
      assert.equal((await restError(api, 'POST', '/v1/orders', [1, 2])).code, 'BAD_REQUEST');
      assert.match((await restError(api, 'PATCH', '/v1/orders/1', { id: 2 })).message, /primary key id cannot be changed/);
      assert.match((await restError(api, 'GET', '/v1/orders/x1')).message, /"x1" is not an integer/);
    });
  });
}

describe('keyset pagination visits every row once, in order (seeded; HELIOS_API_SEED=random)', () => {
  const seed = seedFromEnv('HELIOS_API_SEED', 20261124);
  test(`seed ${seed}`, async () => {
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const schema: ApiSchema = {
      tables: [{ name: 'items', columns: [col('a', 'INTEGER', 1), col('b', 'TEXT', 2), col('c', 'REAL', 3)], primaryKey: null, indexes: [], shardKey: null }],
      methods: [],
    };
    const oracle = sqliteBackend();
    const backends = [engineBackend(), oracle];
    const apis = backends.map((b) => new SchemaApi(schema, { exec: b.exec }));
    for (const b of backends) await b.exec('CREATE TABLE items (a INTEGER, b TEXT, c REAL)', []);
    for (let i = 0; i < 120; i++) {
      const row = { a: rand() < 0.2 ? null : Math.floor(rand() * 5), b: rand() < 0.2 ? null : pick(['x', 'y', 'z', 'Y']), c: rand() < 0.3 ? null : Math.floor(rand() * 4) / 2 };
      for (const api of apis) await rest(api, 'POST', '/v1/items', row);
    }
    for (let round = 0; round < 25; round++) {
      const terms = ['a', 'b', 'c'].filter(() => rand() < 0.6).map((c) => `${c}${rand() < 0.5 ? ' desc' : ''}`);
      if (rand() < 0.3) terms.sort(() => rand() - 0.5);
      const orderBy = terms.join(', ');
      const filter: Record<string, string> = rand() < 0.3 ? { a: String(Math.floor(rand() * 5)) } : {};
      const pageSize = 1 + Math.floor(rand() * 17);
      const expectedSql = `SELECT a, b, c FROM items${filter['a'] ? ` WHERE a = ${filter['a']}` : ''} ORDER BY ${[...terms, 'rowid'].join(', ')}`;
      const expected = (oracle.db.prepare(expectedSql).raw(true).all() as unknown[][]).map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      for (const api of apis) {
        const seen: string[] = [];
        let token = '';
        for (let pages = 0; pages < 500; pages++) {
          const r = (await rest(api, 'GET', '/v1/items', undefined, { ...filter, order_by: orderBy, page_size: String(pageSize), ...(token ? { page_token: token } : {}) })).body as { items: Record<string, unknown>[]; next_page_token: string };
          assert.ok(r.items.length <= pageSize);
          for (const it of r.items) seen.push(JSON.stringify([it['a'], it['b'], it['c']]));
          token = r.next_page_token;
          if (token === '') break;
        }
        assert.deepEqual(seen, expected, `seed ${seed} round ${round}: order_by "${orderBy}" filter ${JSON.stringify(filter)} page_size ${pageSize}`);
      }
    }
  });
});

describe('page tokens', () => {
  const tokens = new PageTokens(Buffer.alloc(32, 1));
  test('round-trip their key values exactly, for every storage class', () => {
    const key: ApiValue[] = [null, -(2n ** 63n), 0.1, 'ü"\\', new Uint8Array([0, 255]), Number.POSITIVE_INFINITY];
    assert.deepEqual(tokens.decode(tokens.encode('q', key), 'q', key.length), key);
  });

  test('reject tampering, truncation, another key, another query, garbage', () => {
    const t = tokens.encode('q', [5n, 'x']);
    const [payload, mac] = t.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, q: 'q', k: [{ i: '6' }, { t: 'x' }] })).toString('base64url');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const [bad, re] of [
      [`${forged}.${mac}`, /not issued by this server or was modified/],
      [`${payload}.${flip(mac)}`, /modified/],
      [`${payload.slice(0, -2)}.${mac}`, /modified/],
      [t.slice(0, -3), /modified/],
      ['', /modified/],
      ['not-a-token', /modified/],
      [new PageTokens(Buffer.alloc(32, 2)).encode('q', [5n, 'x']), /modified/],
    ] as const) {
      assert.throws(() => tokens.decode(bad, 'q', 2), (e: unknown) => e instanceof HeliosError && e.code === 'BAD_REQUEST' && re.test(e.message), bad);
    }
    assert.throws(() => tokens.decode(t, 'other', 2), /different query/);
    assert.throws(() => tokens.decode(t, 'q', 3), /malformed/);
  });
});
