/**
 * `/v1/sql` and `/v1/batch` end to end through the coordinator and the shard rings: results in
 * the contract's shape, errors with the contract's codes, bad bodies, atomic batches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('SQL over REST', () => {
  let s: ServerProcess;
  const sql = async (body: unknown, path = '/v1/sql') => {
    const r = await fetch(s.url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  before(async () => {
    s = await spawnServer({ workerThreads: 2, toml: '[api]\nmax_request_size_mb = 1\n' });
    await waitReady(s);
  });
  after(async () => {
    if (s) await s.stop();
  });

  test('DDL, inserts with parameters, and a query in the contract shape', async () => {
    const ddl = await sql({ sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT, total REAL, big INTEGER, data BLOB)' });
    assert.equal(ddl.status, 200);
    assert.deepEqual(ddl.body, { columns: [], rows: [], rows_affected: 0, last_insert_id: null });
    const ins = await sql({ sql: 'INSERT INTO orders (customer_id, status, total, big, data) VALUES (?, ?, ?, ?, ?)', params: [12345, 'pending', 19.5, '9007199254740993', { base64: 'AAEC' }] });
    assert.equal(ins.status, 200, JSON.stringify(ins.body));
    assert.equal(ins.body['rows_affected'], 1);
    assert.equal(ins.body['last_insert_id'], 1);
    const named = await sql({ sql: 'INSERT INTO orders (customer_id, status) VALUES (:c, :s)', params: { c: 7, s: 'shipped' } });
    assert.equal(named.body['last_insert_id'], 2);
    const q = await sql({ sql: 'SELECT id, status, total, big, data, customer_id * 2 AS twice FROM orders WHERE id = ?', params: [1] });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body, {
      columns: ['id', 'status', 'total', 'big', 'data', 'twice'],
      rows: [[1, 'pending', 19.5, '9007199254740993', { base64: 'AAEC' }, 24690]],
      rows_affected: 0,
      last_insert_id: null,
    });
  });

  test('VACUUM over REST rebuilds every partition and keeps the rows', async () => {
    assert.equal((await sql({ sql: 'CREATE TABLE vac (id INTEGER PRIMARY KEY, s TEXT)' })).status, 200);
    const statements = Array.from({ length: 50 }, (_, i) => ({ sql: 'INSERT INTO vac (s) VALUES (?)', params: [`row ${i} `.repeat(30)] }));
    assert.equal((await sql({ statements }, '/v1/batch')).status, 200);
    assert.equal((await sql({ sql: 'DELETE FROM vac WHERE id > 10' })).status, 200);
    const v = await sql({ sql: 'VACUUM' });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.deepEqual((await sql({ sql: 'SELECT count(*), max(id) FROM vac' })).body['rows'], [[10, 10]]);
  });

  test('writes the partitions cannot run alone (triggers, subqueries, a moved shard key) run centrally and keep every row', async () => {
    const ok = async (q: string) => {
      const r = await sql({ sql: q });
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await ok('CREATE TABLE wallet (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL)');
    await ok('CREATE TABLE wallet_log (id INTEGER PRIMARY KEY AUTOINCREMENT, wallet INTEGER, what TEXT)');
    await ok("CREATE TRIGGER wallet_audit AFTER UPDATE OF balance ON wallet BEGIN INSERT INTO wallet_log (wallet, what) VALUES (new.id, 'balance ' || old.balance || ' -> ' || new.balance); END");
    const statements = Array.from({ length: 30 }, (_, i) => ({ sql: 'INSERT INTO wallet (id, owner, balance) VALUES (?, ?, ?)', params: [i + 1, `o${i % 3}`, 100 + i] }));
    assert.equal((await sql({ statements }, '/v1/batch')).status, 200);
    const upd = await ok("UPDATE wallet SET balance = balance + 1 WHERE owner IN (SELECT owner FROM wallet WHERE id = 2)");
    assert.equal(upd['rows_affected'], 10);
    assert.deepEqual((await ok('SELECT count(*), min(what) FROM wallet_log')).rows, [[10, 'balance 101 -> 102']]);
    await ok('UPDATE wallet SET id = 100 WHERE id = 5'); // the shard key changes: the row moves partitions
    assert.deepEqual((await ok('SELECT owner, balance FROM wallet WHERE id = 100')).rows, [['o1', 105]]);
    assert.deepEqual((await ok('SELECT count(*), sum(balance) FROM wallet')).rows, [[30, 30 * 100 + 435 + 10]]);
    const bad = await sql({ sql: "UPDATE wallet SET balance = NULL WHERE id IN (SELECT id FROM wallet WHERE owner = 'o0')" });
    assert.equal(bad.status, 409, 'NOT NULL fails the whole central write');
    assert.deepEqual((await ok('SELECT count(*) FROM wallet_log')).rows, [[10]], 'and leaves no partial effect');
  });

  test('a syntax error is 400 SQL_SYNTAX naming the offset and the token', async () => {
    const r = await sql({ sql: 'SELECT * FORM orders' });
    assert.equal(r.status, 400);
    const e = (r.body as unknown as ErrorBody).error;
    assert.equal(e.code, 'SQL_SYNTAX');
    assert.match(e.message, /FORM/);
    assert.match(e.message, /9/);
  });

  test('an unknown table is 400 SQL_ERROR; a constraint violation is 409 CONSTRAINT', async () => {
    const r = await sql({ sql: 'SELECT * FROM nope' });
    assert.equal(r.status, 400);
    assert.equal((r.body as unknown as ErrorBody).error.code, 'SQL_ERROR');
    assert.match((r.body as unknown as ErrorBody).error.message, /nope/);
    const c = await sql({ sql: 'INSERT INTO orders (id, customer_id) VALUES (1, 1)' });
    assert.equal(c.status, 409);
    assert.equal((c.body as unknown as ErrorBody).error.code, 'CONSTRAINT');
    const nn = await sql({ sql: 'INSERT INTO orders (status) VALUES (?)', params: ['x'] });
    assert.equal(nn.status, 409);
  });

  test('bad bodies get BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE and PAYLOAD_TOO_LARGE', async () => {
    const notJson = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql": ' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as ErrorBody).error.code, 'BAD_REQUEST');
    const wrongType = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'SELECT 1' });
    assert.equal(wrongType.status, 415);
    assert.equal(((await wrongType.json()) as ErrorBody).error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const shape = await sql({ query: 'SELECT 1' });
    assert.equal(shape.status, 400);
    assert.match((shape.body as unknown as ErrorBody).error.message, /query/);
    const params = await sql({ sql: 'SELECT ?', params: [[1]] });
    assert.equal(params.status, 400);
    assert.match((params.body as unknown as ErrorBody).error.message, /params\[0\]/);
    const big = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: `SELECT '${'x'.repeat(1_100_000)}'` }) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as ErrorBody).error.code, 'PAYLOAD_TOO_LARGE');
    const two = await sql({ sql: 'SELECT 1; SELECT 2' });
    assert.equal(two.status, 400);
    assert.equal((await fetch(s.url('/health'))).status, 200, 'the server keeps serving');
  });

  test('an atomic batch commits all or nothing and names the failing statement', async () => {
    await sql({ sql: 'CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))' });
    const ok = await sql({ statements: [{ sql: 'INSERT INTO acct VALUES (1, 100)' }, { sql: 'INSERT INTO acct VALUES (2, 0)' }] }, '/v1/batch');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((ok.body['results'] as unknown[]).length, 2);
    const bad = await sql({ statements: [{ sql: 'UPDATE acct SET balance = balance + 50 WHERE id = 2' }, { sql: 'UPDATE acct SET balance = balance - 150 WHERE id = 1' }] }, '/v1/batch');
    assert.equal(bad.status, 409);
    assert.match((bad.body as unknown as ErrorBody).error.message, /statement 1/);
    const after = await sql({ sql: 'SELECT id, balance FROM acct ORDER BY id' });
    assert.deepEqual(after.body['rows'], [[1, 100], [2, 0]], 'the first update was rolled back with the batch');
    const loose = await sql({ statements: [{ sql: 'INSERT INTO acct VALUES (3, 5)' }, { sql: 'INSERT INTO acct VALUES (3, 6)' }], transaction: false }, '/v1/batch');
    assert.equal(loose.status, 409);
    const rows = await sql({ sql: 'SELECT id, balance FROM acct WHERE id = 3' });
    assert.deepEqual(rows.body['rows'], [[3, 5]], 'non-transactional batch keeps what ran before the error');
  });
});
