/**
 * The generated .proto files: the golden text for the brief's `orders` table, protoc accepts
 * every generated file (with the well-known files we serve, not protoc's own), the reflection
 * descriptors equal protoc's for the same text, field numbers survive schema changes, and names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import { buildGrpcTable, buildModels, descriptorsFor, generateProto, messageName, tableModel, WKT_FILES, type ApiSchema, type ApiTable } from '../../src/net/schema-api/index.js';
import { col, oddTable, ordersSchema, ordersTable } from './fixtures.js';

const GOLDEN = fileURLToPath(new URL('../../../test/api/golden/orders.proto', import.meta.url));

function protoOf(schema: ApiSchema, table = 0): string {
  return generateProto(buildModels(schema)[table]!);
}

/** Writes the files (plus our well-known files) and runs protoc; returns the descriptor set. */
function protoc(files: Record<string, string>, main: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'helios-protoc-'));
  try {
    for (const [name, text] of Object.entries({ ...WKT_FILES, ...files })) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const out = join(dir, 'out.pb');
    // --include_imports: the set carries the well-known files as compiled from OUR text.
    execFileSync('protoc', ['-I', dir, `--descriptor_set_out=${out}`, '--include_imports', ...main], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fieldNumbers(text: string, type: string): Record<string, number> {
  const root = protobuf.parse(text, { keepCase: true }).root;
  const t = root.lookupType(type);
  return Object.fromEntries(t.fieldsArray.map((f) => [f.name, f.id]));
}

describe('proto generation', () => {
  test('orders.proto matches the golden file (UPDATE_GOLDENFILES=1 rewrites it)', () => {
    const text = protoOf(ordersSchema());
    if (process.env['UPDATE_GOLDENFILES'] === '1') writeFileSync(GOLDEN, text);
    assert.equal(text, readFileSync(GOLDEN, 'utf8'));
  });

  test('the contract shapes: package, names, optional fields, list response, mask, Empty', () => {
    const text = protoOf(ordersSchema());
    assert.match(text, /^package orders;$/m);
    assert.match(text, /^service OrderService \{$/m);
    for (const rpc of ['rpc CreateOrder(CreateOrderRequest) returns (Order);', 'rpc GetOrder(GetOrderRequest) returns (Order);', 'rpc ListOrders(ListOrdersRequest) returns (ListOrdersResponse);', 'rpc UpdateOrder(UpdateOrderRequest) returns (Order);', 'rpc DeleteOrder(DeleteOrderRequest) returns (google.protobuf.Empty);', 'rpc UpdateOrderStatus(UpdateOrderStatusRequest) returns (Order);']) {
      assert.ok(text.includes(rpc), rpc);
    }
    assert.match(text, /message GetOrderRequest \{\n  int64 id = 1;\n\}/);
    assert.match(text, /message ListOrdersResponse \{\n  repeated Order orders = 1;\n  string next_page_token = 2;\n\}/);
    assert.match(text, /google\.protobuf\.FieldMask update_mask = \d+;/);
    // Create: omittable columns (auto key, nullable, defaulted) are optional; NOT NULL without default is not.
    const create = /message CreateOrderRequest \{([^}]*)\}/.exec(text)![1]!;
    assert.match(create, /optional int64 id = 1;/);
    assert.match(create, /\n  int64 customer_id = 2;/);
    assert.match(create, /optional string status = 3;/);
    assert.match(create, /optional double total_price = 4;/);
    // The custom method's request is typed from the columns its parameters meet.
    assert.match(text, /message UpdateOrderStatusRequest \{\n  optional string status = 1;\n  optional int64 id = 2;\n\}/);
  });

  test('protoc compiles every generated file against the well-known files we serve', () => {
    const people: ApiTable = { name: 'people', columns: [col('person_id', 'TEXT', 1, { primaryKey: true, nullable: false }), col('page_size', 'INTEGER', 2), col('update_mask', 'TEXT', 3)], primaryKey: 'person_id', indexes: [], shardKey: null };
    const schema: ApiSchema = {
      tables: [ordersTable(), oddTable(), people],
      methods: [ordersSchema().methods[0]!, { table: 'orders', name: 'OrdersOfCustomer', sql: 'SELECT * FROM orders WHERE customer_id = $cust AND total_price >= @min' }, { table: 'people', name: 'Purge', sql: 'DELETE FROM people WHERE person_id = :person_id' }],
    };
    const models = buildModels(schema);
    const files = Object.fromEntries(models.map((m) => [`${m.pkg}.proto`, generateProto(m)]));
    const set = descriptorExt.FileDescriptorSet.decode(protoc(files, Object.keys(files))) as unknown as { file: { name: string }[] };
    assert.deepEqual(set.file.map((f) => f.name).sort(), ['categories.proto', 'google/protobuf/empty.proto', 'google/protobuf/field_mask.proto', 'orders.proto', 'people.proto']);
    assert.equal(models[1]!.message, 'Category');
    assert.equal(models[2]!.message, 'Person');
    assert.match(files['categories.proto']!, /string label = 1;[\s\S]*optional bytes icon = 2;[\s\S]*bool active = 3;[\s\S]*optional double weight = 5;[\s\S]*optional string born = 7;[\s\S]*optional bytes anything = 8;/);
    // No primary key: only Create and List.
    assert.doesNotMatch(files['categories.proto']!, /GetCategory|UpdateCategory|DeleteCategory/);
    // Columns named like paging or mask fields are left out of those requests, not clashed.
    assert.doesNotMatch(/message ListPeopleRequest \{[^}]*\}/.exec(files['people.proto']!)![0], /int64 page_size = 2/);
    assert.match(files['orders.proto']!, /rpc OrdersOfCustomer\(OrdersOfCustomerRequest\) returns \(OrdersOfCustomerResponse\);/);
    assert.match(files['people.proto']!, /rpc Purge\(PurgeRequest\) returns \(google\.protobuf\.Empty\);/);
  });

  test('reflection descriptors equal what protoc builds from the same text', () => {
    const tables = [ordersTable(), oddTable()];
    for (const t of tables) {
      const schema = { tables: [t], methods: t.name === 'orders' ? ordersSchema().methods : [] };
      const api = buildGrpcTable(buildModels(schema)[0]!);
      const set = descriptorExt.FileDescriptorSet.decode(protoc({ [api.fileName]: api.protoText }, [api.fileName])) as unknown as { file: protobuf.Message[] };
      const norm = (m: protobuf.Message): unknown => descriptorExt.FileDescriptorProto.toObject(m, { longs: String, defaults: false });
      const theirs = new Map(set.file.map((f) => [(f as unknown as { name: string }).name, norm(f)]));
      const ours = descriptorsFor(api.model, api.root).map((b) => norm(descriptorExt.FileDescriptorProto.decode(b)));
      assert.equal(ours.length, 3);
      for (const o of ours) {
        const name = (o as { name: string }).name;
        assert.deepEqual(o, theirs.get(name), `descriptor of ${name}`);
      }
      // The facts strict clients need, checked explicitly too.
      const own = ours[0] as { dependency: string[]; messageType: { name: string; field: { name: string; proto3Optional?: boolean }[] }[] };
      assert.deepEqual(own.dependency, ['google/protobuf/empty.proto', 'google/protobuf/field_mask.proto']);
    }
    const api = buildGrpcTable(buildModels(ordersSchema())[0]!);
    const own = descriptorExt.FileDescriptorProto.toObject(descriptorExt.FileDescriptorProto.decode(descriptorsFor(api.model, api.root)[0]!)) as { messageType: { name: string; field: { name: string; proto3Optional?: boolean; typeName?: string }[] }[] };
    const order = own.messageType.find((m) => m.name === 'Order')!;
    assert.equal(order.field.find((f) => f.name === 'status')!.proto3Optional, true);
    assert.equal(order.field.find((f) => f.name === 'customer_id')!.proto3Optional, undefined);
    const upd = own.messageType.find((m) => m.name === 'UpdateOrderRequest')!;
    assert.equal(upd.field.find((f) => f.name === 'update_mask')!.typeName, '.google.protobuf.FieldMask');
  });
});

describe('field numbers are stable for the life of a column', () => {
  const base = ordersTable();

  test('adding a column appends a number and leaves the others alone', () => {
    const before = fieldNumbers(protoOf({ tables: [base], methods: [] }), 'orders.Order');
    const t = ordersTable();
    t.columns.push(col('note', 'TEXT', 7));
    const after = fieldNumbers(protoOf({ tables: [t], methods: [] }), 'orders.Order');
    assert.deepEqual(after, { ...before, note: 7 });
  });

  test('renaming or dropping a column renumbers nothing; a dropped number is never reused', () => {
    const t = ordersTable();
    t.columns = t.columns.filter((c) => c.name !== 'total_price');
    t.columns.find((c) => c.name === 'quantity')!.name = 'qty';
    t.columns.push(col('discount', 'REAL', 7));
    const text = protoOf({ tables: [t], methods: [] });
    assert.deepEqual(fieldNumbers(text, 'orders.Order'), { id: 1, customer_id: 2, status: 3, qty: 5, created_at: 6, discount: 7 });
    for (const msg of ['CreateOrderRequest', 'UpdateOrderRequest']) {
      const n = fieldNumbers(text, `orders.${msg}`);
      assert.equal(n['qty'], 5, msg);
      assert.equal(n['discount'], 7, msg);
      assert.equal(Object.values(n).includes(4), false, `${msg} reuses dropped number 4`);
    }
    // Paging fields never collide with any column's number.
    const list = fieldNumbers(text, 'orders.ListOrdersRequest');
    assert.ok(list['page_size']! > 99999 && list['page_token']! > 99999 && list['order_by']! > 99999);
  });

  test('bad numbering is refused with a message naming the column', () => {
    const t = ordersTable();
    t.columns[2]!.fieldNumber = 2;
    assert.throws(() => tableModel(t, []), /columns customer_id and status share field number 2/);
    t.columns[2]!.fieldNumber = 19500;
    assert.match(tableModel(t, []).grpcProblem ?? '', /status has field number 19500, inside protobuf's reserved range/);
  });
});

describe('message names', () => {
  test('singular PascalCase of the table name', () => {
    const cases: Record<string, string> = {
      orders: 'Order', categories: 'Category', addresses: 'Address', people: 'Person', order_items: 'OrderItem', statuses: 'Status',
      boxes: 'Box', matches: 'Match', status: 'Status', data: 'Data', inventory: 'Inventory', movies: 'Movie', user_data: 'UserData',
      children: 'Child', analyses: 'Analysis', cases: 'Case', OrderItems: 'OrderItems', USERS: 'USER',
    };
    for (const [table, want] of Object.entries(cases)) assert.equal(messageName(table), want, table);
  });

  test('tables and columns that are not protobuf identifiers get no gRPC API, with the reason', () => {
    const t = ordersTable();
    t.columns.push(col('unit price', 'REAL', 7));
    assert.match(tableModel(t, []).grpcProblem ?? '', /column name "unit price" is not a protobuf identifier/);
  });

  test('custom methods: bad names, clashes and untypable parameters are refused', () => {
    const t = ordersTable();
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'GetOrder', sql: 'SELECT * FROM orders' }]), /already used/);
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'bump', sql: 'SELECT * FROM orders' }]), /PascalCase/);
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'Bump', sql: 'UPDATE orders SET quantity = quantity + ? RETURNING *' }]), /positional/);
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'Bump', sql: 'UPDATE orders SET quantity = quantity + :n RETURNING *' }]), /cannot type parameter :n/);
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'Ids', sql: 'SELECT id FROM orders' }]), /must select whole rows/);
  });

  test('custom methods: parameters typed from INSERT column lists and LIMIT/OFFSET', () => {
    const t = ordersTable();
    const ins = tableModel(t, [{ table: 'orders', name: 'Place', sql: 'INSERT INTO orders (customer_id, total_price) VALUES (:cust, :price) RETURNING *' }]).methods[0]!;
    assert.deepEqual(ins.fields.map((f) => [f.name, f.scalar]), [['cust', 'int64'], ['price', 'double']]);
    assert.equal(ins.returns, 'row');
    // A parameter inside an expression is not a whole value: it is not typed by position.
    assert.throws(() => tableModel(t, [{ table: 'orders', name: 'Place', sql: 'INSERT INTO orders (customer_id, status) VALUES (:cust, lower(:st)) RETURNING *' }]), /cannot type parameter :st/);
    const top = tableModel(t, [{ table: 'orders', name: 'Top', sql: 'SELECT * FROM orders WHERE total_price > :min ORDER BY total_price DESC LIMIT :n OFFSET :skip' }]).methods[0]!;
    assert.deepEqual(top.fields.map((f) => [f.name, f.scalar]), [['min', 'double'], ['n', 'int64'], ['skip', 'int64']]);
    assert.equal(top.returns, 'rows');
  });

  test('custom methods: the scanner skips strings, comments and quoted names', () => {
    const t = ordersTable();
    // Strings, comments and quoted names do not fool the scanner.
    const m = tableModel(t, [{ table: 'orders', name: 'Tag', sql: "UPDATE orders SET status = :s /* :y */ WHERE \"id\" = :id AND status <> ':x' -- :z\n RETURNING *" }]).methods[0]!;
    assert.deepEqual(m.fields.map((f) => [f.name, f.scalar]), [['s', 'string'], ['id', 'int64']]);
    assert.equal(m.parsed.sql, "UPDATE orders SET status = ?1 /* :y */ WHERE \"id\" = ?2 AND status <> ':x' -- :z\n RETURNING *");
  });
});
