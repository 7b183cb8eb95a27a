/** Statement atomicity, transactions, constraints and DML behaviour users rely on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import { SqlEngine } from '../../src/sql/index.js';
import { MemoryPartition } from '../../src/storage/memory/index.js';
import { openSession } from './helpers.js';

function fails(fn: () => unknown, code: string, re?: RegExp): HeliosError {
  try { fn(); } catch (e) {
    assert.ok(e instanceof HeliosError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail('expected an error');
}

const all = (s: ReturnType<typeof openSession>, sql: string): unknown[][] => s.execute(sql).rows;

test('a failing multi-row INSERT leaves nothing behind (auto-commit)', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  s.execute("INSERT INTO t VALUES (1, 'a')");
  const e = fails(() => s.execute("INSERT INTO t VALUES (2, 'b'), (3, 'c'), (4, 'a')"), 'CONSTRAINT', /UNIQUE constraint failed: t.v/);
  assert.equal(e.constraint, 'unique');
  assert.deepEqual(all(s, 'SELECT id FROM t'), [[1n]]);
});

test('inside BEGIN a failed statement is undone alone; ROLLBACK undoes the rest', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, q INTEGER CHECK (q >= 0))');
  s.execute('INSERT INTO t VALUES (1, 5), (2, 5)');
  s.execute('BEGIN');
  assert.equal(s.inTransaction(), true);
  s.execute('UPDATE t SET q = q - 3 WHERE id = 1');
  const e = fails(() => s.execute('UPDATE t SET q = q - 4'), 'CONSTRAINT', /CHECK constraint failed/);
  assert.equal(e.constraint, 'check');
  assert.deepEqual(all(s, 'SELECT q FROM t ORDER BY id'), [[2n], [5n]]);
  s.execute('INSERT INTO t VALUES (3, 1)');
  s.rollback();
  assert.equal(s.inTransaction(), false);
  assert.deepEqual(all(s, 'SELECT id, q FROM t ORDER BY id'), [[1n, 5n], [2n, 5n]]);
  s.rollback(); // no-op outside a transaction
  s.execute('BEGIN');
  s.execute('DELETE FROM t WHERE id IN (1, 2)');
  s.execute('COMMIT');
  assert.deepEqual(all(s, 'SELECT count(*) FROM t'), [[0n]]);
  fails(() => s.execute('COMMIT'), 'SQL_ERROR', /no transaction is active/);
});

test('DDL inside a rolled-back transaction disappears from the catalog', () => {
  const s = openSession();
  s.execute('BEGIN');
  s.execute('CREATE TABLE x(a)');
  s.execute('INSERT INTO x VALUES (1)');
  s.execute('CREATE INDEX xi ON x(a)');
  s.execute('ROLLBACK');
  fails(() => s.execute('SELECT * FROM x'), 'SQL_ERROR', /no such table: x/);
  s.execute('CREATE TABLE x(a, b)');
  assert.deepEqual(s.execute('SELECT * FROM x').columns, ['a', 'b']);
});

test('the catalog is durable in the partition: a new engine on it sees the schema and data', () => {
  const p = new MemoryPartition(0);
  const s1 = new SqlEngine(p).session();
  s1.execute('CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)');
  s1.execute('CREATE INDEX t_name ON t(name DESC) WHERE id > 1');
  s1.execute('CREATE VIEW v AS SELECT upper(name) AS n FROM t');
  s1.execute("INSERT INTO t(name) VALUES ('a'), ('b')");
  s1.execute('DELETE FROM t WHERE id = 2');
  const s2 = new SqlEngine(p).session();
  assert.deepEqual(s2.execute('SELECT * FROM v').rows, [['A']]);
  s2.execute("INSERT INTO t(name) VALUES ('c')");
  assert.deepEqual(s2.execute('SELECT id FROM t ORDER BY id').rows, [[1n], [3n]], 'AUTOINCREMENT never reuses 2');
  fails(() => s2.execute("INSERT INTO t(name) VALUES ('a')"), 'CONSTRAINT', /UNIQUE constraint failed: t.name/);
  p.check();
});

test('constraint kinds are reported', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER CHECK (b > 0))');
  s.execute("INSERT INTO t VALUES (1, 'x', 1)");
  assert.equal(fails(() => s.execute("INSERT INTO t VALUES (1, 'y', 1)"), 'CONSTRAINT', /UNIQUE constraint failed: t.id/).constraint, 'primary_key');
  assert.equal(fails(() => s.execute('INSERT INTO t VALUES (2, NULL, 1)'), 'CONSTRAINT', /NOT NULL constraint failed: t.a/).constraint, 'not_null');
  assert.equal(fails(() => s.execute("INSERT INTO t VALUES (2, 'z', 0)"), 'CONSTRAINT', /CHECK constraint failed: b > 0/).constraint, 'check');
  fails(() => s.execute("INSERT INTO t VALUES ('abc', 'z', 1)"), 'SQL_ERROR', /datatype mismatch/);
});

test('conflict clauses: OR IGNORE, OR REPLACE, ON CONFLICT DO NOTHING / DO UPDATE, RETURNING', () => {
  const s = openSession();
  s.execute('CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER, n INTEGER DEFAULT 0)');
  s.execute("INSERT INTO kv(k, v) VALUES ('a', 1), ('b', 2)");
  assert.equal(s.execute("INSERT OR IGNORE INTO kv(k, v) VALUES ('a', 9), ('c', 3)").rowsAffected, 1);
  s.execute("INSERT OR REPLACE INTO kv(k, v) VALUES ('b', 20)");
  s.execute("INSERT INTO kv(k, v) VALUES ('c', 30) ON CONFLICT DO NOTHING");
  const r = s.execute("INSERT INTO kv(k, v) VALUES ('a', 100) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, n = n + 1 RETURNING k, v, n");
  assert.deepEqual(r.rows, [['a', 101n, 1n]]);
  assert.deepEqual(all(s, 'SELECT k, v, n FROM kv ORDER BY k'), [['a', 101n, 1n], ['b', 20n, 0n], ['c', 3n, 0n]]);
  assert.deepEqual(s.execute("UPDATE kv SET v = v * 2 WHERE k IN ('b', 'c') RETURNING k, v").rows, [['b', 40n], ['c', 6n]]);
  assert.deepEqual(s.execute("DELETE FROM kv WHERE k = 'c' RETURNING *").rows, [['c', 6n, 0n]]);
});

test('UPDATE does not see its own changes mid-scan (index on the updated column)', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)');
  s.execute('CREATE INDEX tv ON t(v)');
  for (let i = 1; i <= 20; i++) s.execute('INSERT INTO t VALUES (?, ?)', [BigInt(i), BigInt(i)]);
  assert.equal(s.execute('UPDATE t SET v = v + 100 WHERE v > 0').rowsAffected, 20);
  assert.deepEqual(all(s, 'SELECT min(v), max(v), count(*) FROM t'), [[101n, 120n, 20n]]);
  assert.equal(s.execute('DELETE FROM t WHERE v > 110').rowsAffected, 10);
});

test('lastInsertId, rowsAffected and parameters', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, a, b)');
  const r = s.execute('INSERT INTO t(a, b) VALUES (?, ?)', [1, 'x']);
  assert.equal(r.lastInsertId, 1n);
  assert.equal(r.rowsAffected, 1);
  assert.equal(s.execute('INSERT INTO t(a, b) VALUES (:a, $b)', { a: 2, $b: 'y' }).lastInsertId, 2n);
  assert.deepEqual(s.execute('SELECT a, typeof(a), b FROM t WHERE id = ?2 OR id = ?1 ORDER BY id', [1n, 2n]).rows, [[1n, 'integer', 'x'], [2n, 'integer', 'y']]);
  assert.deepEqual(s.execute('SELECT ?', [1.5]).rows, [[1.5]]);
  fails(() => s.execute('SELECT ?, ?', [1n]), 'SQL_ERROR', /expects 2 parameter/);
  fails(() => s.execute('SELECT :a', { b: 1n }), 'SQL_ERROR', /missing value for parameter :a/);
  fails(() => s.execute('SELECT 1; SELECT 2'), 'SQL_SYNTAX');
  fails(() => s.execute('SELECT ?', [{} as never]), 'SQL_ERROR', /unsupported type/);
  fails(() => s.execute('SELECT ?', [2n ** 64n]), 'SQL_ERROR', /64-bit/);
  assert.deepEqual(s.execute('SELECT ?, ?, ?', [true as never, 2 ** 60, Buffer.from('hi')]).rows, [[1n, 2 ** 60, Buffer.from('hi')]]);
});

test('binder errors name the problem', () => {
  const s = openSession();
  s.execute('CREATE TABLE a(x, y)');
  s.execute('CREATE TABLE b(x, z)');
  fails(() => s.execute('SELECT * FROM nope'), 'SQL_ERROR', /no such table: nope/);
  assert.equal(fails(() => s.execute("SELECT 'é', w FROM a"), 'SQL_ERROR', /no such column: w/).offset, Buffer.byteLength("SELECT 'é', "));
  fails(() => s.execute('SELECT x FROM a, b'), 'SQL_ERROR', /ambiguous column name: x/);
  fails(() => s.execute('SELECT nofn(1)'), 'SQL_ERROR', /no such function: nofn/);
  fails(() => s.execute('SELECT abs(1, 2)'), 'SQL_ERROR', /wrong number of arguments/);
  fails(() => s.execute('SELECT x FROM a WHERE count(*) > 1'), 'SQL_ERROR', /misuse of aggregate/);
  fails(() => s.execute('CREATE TABLE a(q)'), 'SQL_ERROR', /table a already exists/);
  s.execute('CREATE TABLE IF NOT EXISTS a(q)');
});

test('schema changes invalidate cached plans; ALTER TABLE ADD COLUMN and RENAME', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(a)');
  s.execute('INSERT INTO t VALUES (1)');
  assert.deepEqual(s.execute('SELECT * FROM t').rows, [[1n]]);
  s.execute("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'd'");
  assert.deepEqual(s.execute('SELECT * FROM t').rows, [[1n, 'd']]);
  s.execute('ALTER TABLE t RENAME TO u');
  assert.deepEqual(s.execute('SELECT * FROM u').rows, [[1n, 'd']]);
  fails(() => s.execute('SELECT * FROM t'), 'SQL_ERROR', /no such table: t/);
  s.execute('VACUUM');
  s.execute('BEGIN');
  fails(() => s.execute('VACUUM'), 'SQL_ERROR', /VACUUM from within a transaction/);
  s.rollback();
});

test('row triggers: BEFORE/AFTER INSERT, UPDATE OF, DELETE with NEW/OLD and WHEN', () => {
  const s = openSession();
  s.execute('CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL, note TEXT)');
  s.execute('CREATE TABLE log(at INTEGER PRIMARY KEY, what TEXT, id INTEGER, a, b)');
  s.execute("CREATE TRIGGER acct_ins AFTER INSERT ON acct BEGIN INSERT INTO log(what, id, a) VALUES ('ins', NEW.id, NEW.bal); END");
  s.execute("CREATE TRIGGER acct_bal AFTER UPDATE OF bal ON acct WHEN NEW.bal < OLD.bal BEGIN INSERT INTO log(what, id, a, b) VALUES ('down', NEW.id, OLD.bal, NEW.bal); END;");
  s.execute("CREATE TRIGGER acct_del BEFORE DELETE ON acct FOR EACH ROW BEGIN INSERT INTO log(what, id) VALUES ('del', OLD.id); SELECT 1; END");
  s.execute('INSERT INTO acct VALUES (1, 100, NULL), (2, 50, NULL)');
  s.execute('UPDATE acct SET bal = bal + 10');
  s.execute('UPDATE acct SET bal = bal - 30 WHERE id = 1');
  s.execute("UPDATE acct SET note = 'x'");
  s.execute('DELETE FROM acct WHERE id = 2');
  assert.deepEqual(all(s, 'SELECT what, id, a, b FROM log ORDER BY at'), [
    ['ins', 1n, 100n, null], ['ins', 2n, 50n, null], ['down', 1n, 110n, 80n], ['del', 2n, null, null],
  ]);
  // A trigger that fails undoes the whole statement, also inside a transaction.
  s.execute("CREATE TRIGGER acct_guard BEFORE UPDATE ON acct BEGIN INSERT INTO log(at, what) VALUES (1, 'dup'); END");
  s.execute('BEGIN');
  fails(() => s.execute('UPDATE acct SET bal = 0'), 'CONSTRAINT', /UNIQUE constraint failed: log.at/);
  assert.deepEqual(all(s, 'SELECT bal FROM acct'), [[80n]]);
  s.execute('COMMIT');
  s.execute('DROP TRIGGER acct_guard');
  fails(() => s.execute('DROP TRIGGER acct_guard'), 'SQL_ERROR', /no such trigger/);
  fails(() => s.execute('CREATE TRIGGER acct_ins AFTER INSERT ON acct BEGIN SELECT 1; END'), 'SQL_ERROR', /already exists/);
  fails(() => s.execute('CREATE TRIGGER t9 AFTER INSERT ON nope BEGIN SELECT 1; END'), 'SQL_ERROR', /no such table/);
  // A trigger writing to its own table does not fire itself again.
  s.execute('CREATE TRIGGER self AFTER INSERT ON log BEGIN INSERT INTO log(what) VALUES (\'echo\'); END');
  s.execute("INSERT INTO log(what) VALUES ('x')");
  assert.deepEqual(all(s, "SELECT count(*) FROM log WHERE what = 'echo'"), [[1n]]);
  s.execute('DROP TABLE log');
  fails(() => s.execute('DROP TRIGGER self'), 'SQL_ERROR', /no such trigger/);
});

test('RAISE() in triggers: ABORT fails the statement, IGNORE skips the row, ROLLBACK ends the transaction', () => {
  const s = openSession();
  s.execute('CREATE TABLE stock(sku TEXT PRIMARY KEY, qty INTEGER)');
  s.execute("INSERT INTO stock VALUES ('a', 5), ('b', 0), ('c', 2)");
  s.execute("CREATE TRIGGER no_neg BEFORE UPDATE OF qty ON stock WHEN NEW.qty < 0 BEGIN SELECT RAISE(ABORT, 'out of stock'); END");
  s.execute("CREATE TRIGGER skip_zero BEFORE DELETE ON stock WHEN OLD.qty = 0 BEGIN SELECT RAISE(IGNORE); END");
  const e = fails(() => s.execute('UPDATE stock SET qty = qty - 1'), 'CONSTRAINT', /out of stock/);
  assert.equal(e.constraint, 'check');
  assert.deepEqual(all(s, 'SELECT qty FROM stock ORDER BY sku'), [[5n], [0n], [2n]]);
  assert.equal(s.execute('DELETE FROM stock').rowsAffected, 2);
  assert.deepEqual(all(s, 'SELECT sku FROM stock'), [['b']]);
  s.execute("CREATE TRIGGER rb BEFORE INSERT ON stock WHEN NEW.qty > 100 BEGIN SELECT RAISE(ROLLBACK, 'too many'); END");
  s.execute('BEGIN');
  s.execute("INSERT INTO stock VALUES ('d', 1)");
  fails(() => s.execute("INSERT INTO stock VALUES ('e', 101)"), 'CONSTRAINT', /too many/);
  assert.equal(s.inTransaction(), false);
  assert.deepEqual(all(s, 'SELECT sku FROM stock'), [['b']]);
  fails(() => s.execute("SELECT RAISE(ABORT, 'x')"), 'SQL_ERROR', /only be used within a trigger/);
});

test('ALTER TABLE RENAME COLUMN rewrites the table, its constraints and indexes', () => {
  const s = openSession();
  s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0) DEFAULT 1, note TEXT, UNIQUE (note, qty))');
  s.execute('CREATE INDEX t_qty ON t(qty DESC) WHERE qty > 0');
  s.execute("INSERT INTO t(note) VALUES ('a')");
  s.execute('ALTER TABLE t RENAME COLUMN qty TO amount');
  assert.deepEqual(s.execute('SELECT id, amount, note FROM t').rows, [[1n, 1n, 'a']]);
  fails(() => s.execute("INSERT INTO t(amount, note) VALUES (-1, 'b')"), 'CONSTRAINT', /CHECK constraint failed/);
  fails(() => s.execute("INSERT INTO t(amount, note) VALUES (1, 'a')"), 'CONSTRAINT', /UNIQUE constraint failed: t.note, t.amount/);
  assert.match(s.execute('EXPLAIN SELECT * FROM t WHERE amount > 5 AND amount > 0').rows[1]![0] as string, /INDEX t_qty /);
  fails(() => s.execute('SELECT qty FROM t'), 'SQL_ERROR', /no such column: qty/);
  s.execute('CREATE VIEW v AS SELECT amount FROM t');
  fails(() => s.execute('ALTER TABLE t RENAME COLUMN amount TO n'), 'SQL_ERROR', /view v may reference it/);
});

test('sqlite_schema and PRAGMAs describe the schema', () => {
  const s = openSession();
  s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', email TEXT UNIQUE)");
  s.execute('CREATE INDEX t_name ON t(name) WHERE name IS NOT NULL');
  s.execute('CREATE VIEW v AS SELECT name FROM t');
  assert.deepEqual(s.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'view', 'index') ORDER BY name").rows, [
    ['table', 't', 't'], ['index', 't_name', 't'], ['index', 'sqlite_autoindex_t_1', 't'], ['view', 'v', 'v'],
  ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)));
  assert.deepEqual(s.execute("SELECT sql FROM sqlite_schema WHERE name = 't_name'").rows, [['CREATE INDEX t_name ON t(name) WHERE name IS NOT NULL']]);
  assert.deepEqual(s.execute('PRAGMA table_info(t)').rows, [[0n, 'id', 'INTEGER', 0n, null, 1n], [1n, 'name', 'TEXT', 1n, "'x'", 0n], [2n, 'email', 'TEXT', 0n, null, 0n]]);
  assert.deepEqual(s.execute('PRAGMA index_list(t)').rows.map((r) => [r[1], r[2], r[4]]), [['sqlite_autoindex_t_1', 1n, 0n], ['t_name', 0n, 1n]]);
  assert.deepEqual(s.execute('PRAGMA index_info(t_name)').rows, [[0n, 1n, 'name']]);
  assert.deepEqual(s.execute('PRAGMA integrity_check').rows, [['ok']]);
  assert.deepEqual(s.execute('PRAGMA foreign_keys').rows, [[0n]]);
  fails(() => s.execute('PRAGMA foreign_keys = ON'), 'SQL_ERROR', /not supported/);
  fails(() => s.execute('PRAGMA nope'), 'SQL_ERROR', /unsupported pragma/);
});
