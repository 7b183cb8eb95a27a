/**
 * The embedded library through the package's public entry (`src/index.ts`): open from an object
 * or a TOML file, execute/query/queryRow with positional and named parameters and the value
 * mapping, errors as HeliosError with the contract's codes, config errors naming keys, close
 * (idempotent, durable, typed error afterwards) and reopen.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Database, DatabaseClosedError, HeliosError, type ErrorCode } from '../../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'heliosdb-lib-'));
const base = (dir: string) => ({
  database: { path: join(dir, 'db'), wal_mode: 'async' as const },
  performance: { worker_threads: 2 },
  observability: { log_level: 'warn' as const },
});

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<HeliosError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HeliosError, `expected a HeliosError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('Database (embedded)', () => {
  const dir = tmp();
  let db: Database;
  before(async () => {
    db = await Database.open(base(dir));
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('execute returns the contract shape; parameters bind by position and by name', async () => {
    const ddl = await db.execute('CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT, total REAL, big INTEGER, data BLOB)');
    assert.deepEqual(ddl, { columns: [], rows: [], rowsAffected: 0, lastInsertId: null });
    const ins = await db.execute('INSERT INTO orders (customer_id, status, total, big, data) VALUES (?, ?, ?, ?, ?)', [12345, 'pending', 19.5, 9007199254740993n, Buffer.from([0, 1, 2])]);
    assert.deepEqual(ins, { columns: [], rows: [], rowsAffected: 1, lastInsertId: 1 });
    const named = await db.execute('INSERT INTO orders (customer_id, status, total) VALUES (:c, @s, $t)', { c: 7, s: 'shipped', t: 3 });
    assert.equal(named.lastInsertId, 2);
    const upd = await db.execute('UPDATE orders SET status = ? WHERE customer_id > ?', ['done', 0]);
    assert.equal(upd.rowsAffected, 2);
    const q = await db.execute('SELECT id, status, total, big, data, customer_id * 2 AS twice FROM orders WHERE id = ?', [1]);
    assert.deepEqual(q.columns, ['id', 'status', 'total', 'big', 'data', 'twice']);
    assert.deepEqual(q.rows, [[1, 'done', 19.5, 9007199254740993n, new Uint8Array([0, 1, 2]), 24690]]);
    assert.equal(q.rowsAffected, 0);
  });

  test('query returns objects keyed by column; queryRow the first or undefined; booleans bind 1/0', async () => {
    interface Order {
      id: number;
      status: string;
      total: number;
    }
    const rows = await db.query<Order>('SELECT id, status, total FROM orders ORDER BY id');
    assert.deepEqual(rows, [
      { id: 1, status: 'done', total: 19.5 },
      { id: 2, status: 'done', total: 3 },
    ]);
    const one = await db.queryRow<Order>('SELECT id, status, total FROM orders WHERE id = :id', { id: 2 });
    assert.equal(one?.total, 3);
    assert.equal(await db.queryRow('SELECT * FROM orders WHERE id = ?', [99]), undefined);
    assert.deepEqual(await db.queryRow('SELECT ? AS t, ? AS f, ? AS n, ? AS u', [true, false, null, undefined]), { t: 1, f: 0, n: null, u: null });
  });

  test('errors are HeliosErrors carrying the contract codes', async () => {
    const syntax = await rejectsWith(db.execute('SELECT * FORM orders'), 'SQL_SYNTAX', /FORM/);
    assert.equal(syntax.offset, 9);
    await rejectsWith(db.query('SELECT * FROM nope'), 'SQL_ERROR', /nope/);
    const pk = await rejectsWith(db.execute('INSERT INTO orders (id, customer_id) VALUES (1, 1)'), 'CONSTRAINT');
    assert.equal(pk.constraint, 'primary_key');
    assert.equal(pk.retryable, false);
    await rejectsWith(db.execute('INSERT INTO orders (status) VALUES (?)', ['x']), 'CONSTRAINT');
    await rejectsWith(db.execute('SELECT ?', [{ not: 'a value' } as never]), 'BAD_REQUEST', /params\[0\].*Object/);
    await rejectsWith(db.execute('SELECT ?', [new Date() as never]), 'BAD_REQUEST', /Date/);
    await rejectsWith(db.execute('SELECT 1; SELECT 2'), 'SQL_ERROR', /one statement/);
    await rejectsWith(db.execute(42 as never), 'BAD_REQUEST', /sql/);
    // A failed statement left nothing behind.
    assert.equal((await db.query('SELECT id FROM orders')).length, 2);
  });

  test('integers: "bigint" returns every INTEGER as a bigint', async () => {
    const d2 = tmp();
    const big = await Database.open(base(d2), { integers: 'bigint' });
    try {
      assert.deepEqual(await big.queryRow('SELECT 1 AS one, 2.5 AS half'), { one: 1n, half: 2.5 });
      await big.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      assert.equal((await big.execute('INSERT INTO t (v) VALUES (?)', ['x'])).lastInsertId, 1n);
    } finally {
      await big.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

describe('Database lifecycle and configuration', () => {
  test('close is idempotent, durable, and later calls reject with DatabaseClosedError', async () => {
    const dir = tmp();
    try {
      const file = join(dir, 'heliosdb.toml');
      writeFileSync(file, `[database]\npath = "db"\nwal_mode = "async"\n[performance]\nworker_threads = 2\n[observability]\nlog_level = "warn"\n`);
      const db = await Database.open(file);
      assert.equal(db.config.database.path, join(dir, 'db'), 'a relative path in the file is relative to the file');
      await db.execute('CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)');
      const writes = Array.from({ length: 50 }, (_, i) => db.execute('INSERT INTO kv VALUES (?, ?)', [`k${i}`, i]));
      await Promise.all(writes);
      await Promise.all([db.close(), db.close()]);
      await db.close();
      assert.equal(db.closed, true);
      const e = await rejectsWith(db.query('SELECT 1'), 'UNAVAILABLE', /closed/);
      assert.ok(e instanceof DatabaseClosedError);
      assert.equal(e.retryable, false);
      await assert.rejects(db.serve(), DatabaseClosedError);

      const again = await Database.open(file);
      try {
        assert.deepEqual(await again.queryRow('SELECT count(*) AS n, sum(v) AS s FROM kv'), { n: 50, s: 1225 });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('configuration problems are ConfigErrors naming the key, with the loader messages', async () => {
    const noPath = await Database.open({ performance: { worker_threads: 1 } } as never).catch((e: unknown) => e);
    assert.ok(noPath instanceof ConfigError);
    assert.equal(noPath.key, 'database.path');
    assert.match(noPath.message, /required by Database\.open/);

    const dir = tmp();
    try {
      const bad = await Database.open({ database: { path: join(dir, 'db') }, api: { rest_port: 80.5, grpc_prot: 1 } as never }).catch((e: unknown) => e);
      assert.ok(bad instanceof ConfigError);
      const keys = bad.problems.map((p) => p.key).sort();
      assert.deepEqual(keys, ['api.grpc_prot', 'api.rest_port']);
      assert.match(bad.message, /<configuration object>: api\.rest_port: expected an integer port 0\.\.65535.*got 80\.5 \(a float\)/);
      assert.match(bad.message, /api\.grpc_prot: unknown key \(did you mean grpc_port\?\)/);

      const file = join(dir, 'c.toml');
      writeFileSync(file, '[database]\nwal_mode = "sync"\n');
      const fromFile = await Database.open(file).catch((e: unknown) => e);
      assert.ok(fromFile instanceof ConfigError);
      assert.equal(fromFile.key, 'database.path');
      assert.equal(fromFile.line, 1);
      // The environment applies only when asked for.
      const withEnv = await Database.open(file, { env: { HELIOSDB_PATH: join(dir, 'envdb'), HELIOSDB_WORKER_THREADS: '1', HELIOSDB_LOG_LEVEL: 'warn' } });
      assert.equal(withEnv.config.database.path, join(dir, 'envdb'));
      await withEnv.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
