/**
 * The OpenAPI document: valid OpenAPI 3.1 (by @seriousme/openapi-schema-validator, every $ref
 * resolved), the contract's routes present, and the rows, pages and errors the API really
 * answers conform to the schemas it publishes (checked with Ajv's JSON Schema 2020-12).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020Module from 'ajv/dist/2020.js';
import { HeliosError } from '../../src/errors.js';
import { errorBody } from '../../src/net/error-map.js';
import { buildModels, generateOpenApi, SchemaApi, type ApiSchema } from '../../src/net/schema-api/index.js';
import { engineBackend } from './backends.js';
import { col, oddTable, ordersSchema } from './fixtures.js';

const Ajv2020 = Ajv2020Module.default;

function schema(): ApiSchema {
  const s = ordersSchema();
  s.tables.push(oddTable(), { name: 'sql', columns: [col('id', 'INTEGER', 1, { primaryKey: true, nullable: false })], primaryKey: 'id', indexes: [], shardKey: null });
  s.methods.push({ table: 'orders', name: 'OrdersOfCustomer', sql: 'SELECT * FROM orders WHERE customer_id = :customer_id' });
  return s;
}

type Doc = { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

describe('OpenAPI 3.1 document', () => {
  const doc = generateOpenApi(buildModels(schema()), { version: '0.1.0', servers: ['http://127.0.0.1:8080'] }) as Doc;

  test('validates as OpenAPI 3.1 with every $ref resolved', async () => {
    const v = new Validator();
    const res = await v.validate(doc);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1));
    assert.equal(v.version, '3.1');
    assert.doesNotThrow(() => v.resolveRefs());
  });

  test('lists the static endpoints and each table\'s generated routes', () => {
    for (const p of ['/health', '/ready', '/v1/sql', '/v1/batch', '/v1/tx', '/v1/tx/{tx_id}/sql', '/v1/tx/{tx_id}/commit', '/v1/tx/{tx_id}/rollback', '/v1/schema', '/v1/protos', '/v1/protos/{file}', '/v1/openapi.json']) {
      assert.ok(doc.paths[p], p);
    }
    assert.deepEqual(Object.keys(doc.paths['/v1/orders']!).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.paths['/v1/orders/{id}']!).sort(), ['delete', 'get', 'parameters', 'patch']);
    assert.ok(doc.paths['/v1/orders:updateOrderStatus']!['post']);
    assert.ok(doc.paths['/v1/orders:ordersOfCustomer']!['post']);
    // No primary key: collection routes only. A table named like a static route gets none.
    assert.ok(doc.paths['/v1/categories']);
    assert.equal(doc.paths['/v1/categories/{id}'], undefined);
    assert.equal(doc.paths['/v1/sql']!['get'], undefined);
    assert.deepEqual((doc.components.schemas['orders.OrderCreate'] as { required: string[] }).required, ['customer_id']);
  });

  test('what the API answers conforms to the schemas it publishes', async () => {
    const b = engineBackend();
    await b.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', total_price REAL, quantity INTEGER, created_at INTEGER DEFAULT (strftime('%s','now')))", []);
    await b.exec('CREATE TABLE categories (label VARCHAR(40) NOT NULL, icon BLOB, active BOOLEAN NOT NULL DEFAULT 1, weight DECIMAL(10,2), born DATETIME, anything)', []);
    const api = new SchemaApi(schema(), { exec: b.exec });
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: doc.components, paths: doc.paths } as object);
    const check = (ref: string, value: unknown) => {
      const validate = ajv.getSchema(`doc#/components/${ref}`)!;
      assert.equal(validate(value), true, `${ref}: ${JSON.stringify(validate.errors)} for ${JSON.stringify(value)}`);
    };
    const rest = async (method: string, path: string, body?: unknown, query: Record<string, string> = {}) => (await api.rest({ method, path, query, body }))!.body;
    check('schemas/orders.Order', await rest('POST', '/v1/orders', { customer_id: '9007199254740993', total_price: 1.25 }));
    check('schemas/orders.Order', await rest('PATCH', '/v1/orders/1', { quantity: 2 }));
    const page = (await rest('GET', '/v1/orders')) as { orders: unknown[] };
    assert.equal(page.orders.length, 1);
    // The list page against the response schema of GET /v1/orders itself.
    const pageSchema = ajv.getSchema('doc#/paths/~1v1~1orders/get/responses/200/content/application~1json/schema')!;
    assert.equal(pageSchema(page), true, JSON.stringify(pageSchema.errors));
    assert.equal(pageSchema({ orders: page.orders }), false, 'next_page_token is required');
    check('schemas/categories.Category', await rest('POST', '/v1/categories', { label: 'x', icon: { base64: 'AQI=' }, weight: 2.5, born: '2026-01-01' }));
    check('schemas/Error', errorBody(new HeliosError('NOT_FOUND', 'x')));
    // And the schema is not vacuous: a wrong row fails it.
    const validate = ajv.getSchema('doc#/components/schemas/orders.Order')!;
    assert.equal(validate({ id: 1, customer_id: 'twelve' }), false);
    assert.equal(validate({ id: 1, customer_id: 1, colour: 'red' }), false);
  });
});
