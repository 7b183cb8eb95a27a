/**
 * The catalog description the generated APIs read (`describeCatalog`) (keys,
 * defaults, indexes, field numbers across ALTER TABLE, the version changing with DDL only) and
 * the coordinator's structured exec codec (ExecuteRequest out, ExecuteResponse back) round-
 * tripping every storage class.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlEngine } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { describeCatalog } from '../../src/shard/schema-describe.js';
import { decodeJson, type CatalogSchema } from '../../src/shard/protocol.js';
import { decodeExecuteResponse, decodeStatement, encodeExecuteRequest, encodeExecuteResponse } from '../../src/shard/grpc-codec.js';
import { mayHoldDdl } from '../../src/coordinator/index.js';

function setup() {
  const engine = new SqlEngine(openMemoryPartition(0));
  const session = engine.session();
  const epoch = Math.random().toString(36).slice(2);
  const schema = (): CatalogSchema => decodeJson<CatalogSchema>(new TextEncoder().encode(JSON.stringify(describeCatalog(engine.catalog, epoch))));
  // The structured exec path: ExecuteRequest bytes in, ExecuteResponse bytes out.
  const execProto = (req: Uint8Array): Uint8Array => {
    const st = decodeStatement(req);
    return encodeExecuteResponse(session.execute(st.sql, st.params));
  };
  return { session, execProto, schema };
}

describe('describeCatalog: the catalog as the generated APIs see it', () => {
  test('keys, nullability, defaults, AUTOINCREMENT and indexes', () => {
    const { session, schema } = setup();
    session.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', created_at INTEGER DEFAULT (strftime('%s','now')))");
    session.execute('CREATE TABLE tags (name TEXT PRIMARY KEY, n INT UNIQUE)');
    session.execute('CREATE TABLE pairs (a INT, b INT, c BLOB, PRIMARY KEY (b, a))');
    session.execute('CREATE TABLE loose (x, y TEXT NOT NULL DEFAULT 1)');
    session.execute('CREATE UNIQUE INDEX orders_status ON orders (status, customer_id)');
    const s = schema();
    assert.deepEqual(s.tables.map((t) => t.name), ['orders', 'tags', 'pairs', 'loose']);
    const [orders, tags, pairs, loose] = s.tables;
    assert.deepEqual(orders!.columns[0], { name: 'id', type: 'INTEGER', nullable: false, default: null, primaryKey: true, autoIncrement: true, fieldNumber: 1 });
    assert.deepEqual(orders!.columns.map((c) => [c.nullable, c.default]), [[false, null], [false, null], [true, "'pending'"], [true, "strftime('%s','now')"]]);
    assert.deepEqual(orders!.primaryKey, ['id']);
    assert.deepEqual(orders!.indexes, [{ name: 'orders_status', columns: ['status', 'customer_id'], unique: true }]);
    // A TEXT primary key is not the rowid: SQLite lets it hold NULL, so it stays nullable.
    assert.deepEqual(tags!.primaryKey, ['name']);
    assert.deepEqual(tags!.columns.map((c) => [c.name, c.primaryKey, c.nullable, c.autoIncrement]), [['name', true, true, false], ['n', false, true, false]]);
    assert.ok(tags!.indexes.some((ix) => ix.unique && ix.columns.join() === 'n'), JSON.stringify(tags!.indexes));
    assert.deepEqual(pairs!.primaryKey, ['b', 'a']);
    assert.deepEqual(pairs!.columns.map((c) => c.primaryKey), [true, true, false]);
    assert.deepEqual(loose!.primaryKey, []);
    assert.deepEqual(loose!.columns.map((c) => [c.type, c.nullable, c.default]), [['', true, null], ['TEXT', false, '1']]);
  });

  test('field numbers survive ADD and RENAME COLUMN; DROP COLUMN is refused, so numbers never shift', () => {
    const { session, schema } = setup();
    session.execute('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c REAL)');
    session.execute('ALTER TABLE t ADD COLUMN d BLOB');
    session.execute('ALTER TABLE t RENAME COLUMN b TO bee');
    session.execute('ALTER TABLE t ADD COLUMN e TEXT');
    assert.throws(() => session.execute('ALTER TABLE t DROP COLUMN c'));
    assert.deepEqual(schema().tables[0]!.columns.map((c) => [c.name, c.fieldNumber]), [['a', 1], ['bee', 2], ['c', 3], ['d', 4], ['e', 5]]);
  });

  test('the version changes with DDL and only with DDL', () => {
    const { session, schema } = setup();
    const v0 = schema().version;
    session.execute('CREATE TABLE t (a INTEGER PRIMARY KEY)');
    const v1 = schema().version;
    assert.notEqual(v1, v0);
    session.execute('INSERT INTO t VALUES (1)');
    session.execute('SELECT * FROM t');
    assert.equal(schema().version, v1);
    session.execute('CREATE INDEX t_a ON t (a)');
    assert.notEqual(schema().version, v1);
    // Another engine instance (a restarted shard) never reports the same version string.
    assert.notEqual(setup().schema().version, v0);
  });
});

describe('structured exec codec', () => {
  test('parameters and results keep their storage class', () => {
    const { execProto, session } = setup();
    session.execute('CREATE TABLE v (i INTEGER PRIMARY KEY, big INTEGER, r REAL, t TEXT, b BLOB, n)');
    const blob = new Uint8Array([0, 1, 255]);
    const ins = decodeExecuteResponse(execProto(encodeExecuteRequest('INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5, ?6)', [7n, -(2n ** 63n), 2.5, 'héllo', blob, null])));
    assert.equal(ins.rowsAffected, 1);
    assert.equal(ins.lastInsertId, 7n);
    const sel = decodeExecuteResponse(execProto(encodeExecuteRequest('SELECT * FROM v WHERE i = ?', [7n])));
    assert.deepEqual(sel.columns, ['i', 'big', 'r', 't', 'b', 'n']);
    assert.deepEqual(sel.rows, [[7n, -(2n ** 63n), 2.5, 'héllo', blob, null]]);
    assert.equal(sel.rowsAffected, 0);
  });

  test('DDL detection is case-insensitive and whole-word', () => {
    const enc = (s: string) => new TextEncoder().encode(JSON.stringify({ sql: s }));
    for (const s of ['CREATE TABLE x (a)', 'drop table x', '  Alter Table x add column b', 'BEGIN; CREATE INDEX i ON x(a)']) assert.ok(mayHoldDdl(enc(s)), s);
    for (const s of ['SELECT created_at FROM x', 'INSERT INTO altered VALUES (1)', 'SELECT 1']) assert.ok(!mayHoldDdl(enc(s)), s);
  });
});
