/**
 * Routing on 4 partitions over 2 in-process shards: point statements reach one partition,
 * fan-out reads see every partition, rowids increase across partitions, last_insert_id is the
 * row's, DDL reaches every partition, a failing multi-partition INSERT leaves nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localRouter } from './harness.js';
import { resultToJson } from '../../src/shard/json-codec.js';
import { decodeExecuteResponse, encodeExecuteResponse } from '../../src/shard/grpc-codec.js';

test('partitioned basics', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)');
  for (let p = 0; p < 4; p++) assert.ok(exec.shards[p % 2]!.engine(p).catalog.table('t'), `partition ${p} has the table`);
  const ids: bigint[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await one('INSERT INTO t (name, n) VALUES (?, ?)', [`row${i}`, i]);
    assert.equal(router.lastRoute.kind, 'single');
    ids.push(r.lastInsertId!);
  }
  assert.deepEqual(ids, ids.map((_, i) => BigInt(i + 1)), 'rowids increase across partitions');
  const counts = [0, 1, 2, 3].map((p) => exec.shards[p % 2]!.engine(p).session().execute('SELECT count(*) FROM t').rows[0]![0]);
  assert.ok(counts.filter((c) => c !== 0n).length >= 3, `rows spread: ${counts}`);
  const r = await one('SELECT name FROM t WHERE id = ?', [7]);
  assert.deepEqual(r.rows, [['row6']]);
  assert.equal(router.lastRoute.kind, 'single');
  exec.sent.length = 0;
  const all = await one('SELECT count(*), sum(n) FROM t');
  assert.deepEqual(all.rows, [[20n, 190n]]);
  assert.deepEqual(all.columns, ['count(*)', 'sum(n)']);
  assert.ok(!exec.sent.some((o) => o.op === 'scan'), 'partial aggregates: no rows cross, one row per partition');
  const grouped = await one('SELECT n % 3 AS m, count(*), avg(n), min(name), max(n) FROM t GROUP BY m ORDER BY m');
  assert.deepEqual(grouped.rows, [[0n, 7n, 9, 'row0', 18n], [1n, 7n, 10, 'row1', 19n], [2n, 6n, 9.5, 'row11', 17n]]);
  exec.sent.length = 0;
  const byName = await one('SELECT name, count(*) AS c, total(n) FROM t WHERE n > ? GROUP BY name HAVING c >= 1 ORDER BY name DESC LIMIT 2', [15]);
  assert.deepEqual(byName.rows, [['row19', 1n, 19], ['row18', 1n, 18]]);
  assert.ok(!exec.sent.some((o) => o.op === 'scan'), 'GROUP BY a column merges partial groups');
  const ordered = await one('SELECT id FROM t ORDER BY n DESC LIMIT 3');
  assert.deepEqual(ordered.rows, [[20n], [19n], [18n]]);
  const multi = await one("INSERT INTO t (name, n) VALUES ('a', 100), ('b', 101), ('c', 102), ('d', 103)");
  assert.equal(multi.rowsAffected, 4);
  assert.equal(multi.lastInsertId, 24n);
  assert.equal(router.lastRoute.kind, 'multi');
  await assert.rejects(one("INSERT INTO t (id, name, n) VALUES (30, 'x', 1), (31, 'y', 2), (32, 'z', 3), (7, 'dup', 4)"), /UNIQUE|PRIMARY|constraint/i);
  assert.deepEqual((await one('SELECT count(*) FROM t WHERE id >= 30')).rows, [[0n]]);
  const upd = await one('UPDATE t SET n = n + 1 WHERE n < 10');
  assert.equal(upd.rowsAffected, 10);
  assert.equal((await one('UPDATE t SET id = 99 WHERE id = 1')).rowsAffected, 1, 'a new shard key moves the row (central path)');
  assert.deepEqual((await one('SELECT name FROM t WHERE id = 99')).rows, [['row0']]);
  const del = await one('DELETE FROM t WHERE id = 3');
  assert.equal(del.rowsAffected, 1);
  assert.deepEqual((await one('SELECT count(*), sum(id = 1) FROM t')).rows, [[23n, 0n]]);
});

test('fan-out ORDER BY … LIMIT … OFFSET: each partition sends enough rows in order, merged here; with all rows on one partition or spread', async () => {
  const { router, exec } = await localRouter(4, 2, { shardKeys: { c: 'g' } });
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE c (id INTEGER PRIMARY KEY, g INTEGER, s TEXT)');
  await one(`INSERT INTO c (id, g, s) VALUES ${Array.from({ length: 30 }, (_, i) => `(${i + 1}, 7, 's${i}')`).join(', ')}`);
  await one(`INSERT INTO c (id, g, s) VALUES ${Array.from({ length: 30 }, (_, i) => `(${i + 101}, ${i}, 't${i}')`).join(', ')}`);
  exec.sent.length = 0;
  const page = await one('SELECT id FROM c WHERE id > ? ORDER BY id LIMIT ? OFFSET ?', [3, 4, 5]);
  assert.deepEqual(page.rows, [[9n], [10n], [11n], [12n]]);
  // Each partition returns its first LIMIT + OFFSET rows in order, with the sort key as a hidden
  // column; the coordinator merges them (ordered-fanout.ts), not the catalog mirror.
  assert.deepEqual(exec.sent.map((o) => o.op === 'run' && o.stmts), Array(4).fill([{ sql: 'SELECT id, id AS __ok0 FROM c WHERE (id > 3) ORDER BY id LIMIT 9', params: [] }]));
  assert.equal(router.reads.stats.orderedMerge, 1);
  assert.deepEqual((await one('SELECT s FROM c WHERE g = 7 ORDER BY id DESC LIMIT 2')).rows, [['t7'], ['s29']]);
  assert.equal(router.lastRoute.kind, 'single', 'the column shard key routes');
  assert.deepEqual((await one('SELECT id FROM c ORDER BY s DESC LIMIT 3 OFFSET 1')).rows, [[109n], [108n], [107n]]);
  assert.deepEqual((await one('SELECT count(*) FROM c WHERE id BETWEEN 25 AND 105')).rows, [[11n]]);
});

test('EXPLAIN names the route (and planning an INSERT for it needs no second turn of the sequencer)', async () => {
  const { router } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE e (id INTEGER PRIMARY KEY, v TEXT)');
  const first = (r: { rows: unknown[][] }) => r.rows[0]![0];
  assert.match(String(first(await one("EXPLAIN INSERT INTO e (v) VALUES ('x')"))), /^ROUTE ONE PARTITION \(\d of 4\)$/);
  assert.match(String(first(await one("EXPLAIN INSERT INTO e (v) VALUES ('x'), ('y'), ('z'), ('w'), ('q')"))), /^ROUTE ALL PARTITIONS/);
  assert.match(String(first(await one('EXPLAIN SELECT * FROM e WHERE id = ?', [3]))), /^ROUTE ONE PARTITION/);
  assert.match(String(first(await one('EXPLAIN SELECT * FROM e WHERE id > ?', [3]))), /^ROUTE ALL PARTITIONS/);
  assert.match(String(first(await one('EXPLAIN DELETE FROM e WHERE id = 2'))), /^ROUTE ONE PARTITION/);
});

test('one partition: every statement runs as on a plain engine (triggers, subqueries in writes, rowid updates)', async () => {
  const { router } = await localRouter(1, 1);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)');
  await one('CREATE TABLE log (msg TEXT)');
  await one("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || new.id); END");
  await one('INSERT INTO t (n) VALUES (5), (6)');
  await one('UPDATE t SET n = n + 1 WHERE id IN (SELECT id FROM t WHERE n > 5)');
  await one('UPDATE t SET id = 10 WHERE id = 1');
  assert.deepEqual((await one('SELECT id, n FROM t ORDER BY id')).rows, [[2n, 7n], [10n, 5n]]);
  assert.deepEqual((await one('SELECT msg FROM log ORDER BY msg')).rows, [['ins 1'], ['ins 2']]);
  assert.equal(router.lastRoute.kind, 'single');
});

test('a partitioned database runs what used to be rejected: triggers, writes with subqueries, CREATE TABLE AS, new shard keys', async () => {
  const { router } = await localRouter(4, 2);
  const one = async (sql: string) => (await router.execute([{ sql, params: [] }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)');
  await one('CREATE TABLE log (m TEXT)');
  await one("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || new.id); END");
  await one('INSERT INTO t (id, n) VALUES (1, 1), (2, 2), (3, 3)');
  assert.equal((await one('UPDATE t SET n = 10 WHERE id IN (SELECT id FROM t WHERE n > 1)')).rowsAffected, 2);
  await one('CREATE TABLE u AS SELECT * FROM t');
  assert.equal((await one('UPDATE t SET id = 30 WHERE n = 1')).rowsAffected, 1);
  assert.deepEqual((await one('SELECT id, n FROM t ORDER BY id')).rows, [[2n, 10n], [3n, 10n], [30n, 1n]]);
  assert.deepEqual((await one('SELECT id, n FROM u ORDER BY id')).rows, [[1n, 1n], [2n, 10n], [3n, 10n]]);
  assert.deepEqual((await one('SELECT m FROM log ORDER BY m')).rows, [['ins 1'], ['ins 2'], ['ins 3']]);
  // The engine's own limits still apply, with its own errors (as on one partition).
  await assert.rejects(one('DELETE FROM t WHERE n > 1 LIMIT 1'), /LIMIT are not supported on DELETE/);
  await assert.rejects(one('UPDATE t SET n = u.n FROM u WHERE u.id = t.id'), /UPDATE … FROM is not supported/);
});

test('UNIQUE indexes without the shard key hold across partitions', async () => {
  const { router } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, name TEXT)');
  for (let i = 1; i <= 12; i++) await one('INSERT INTO users VALUES (?, ?, ?)', [i, `u${i}@x`, `n${i}`]);
  await assert.rejects(one("INSERT INTO users VALUES (100, 'U3@X', 'dup')"), /UNIQUE constraint failed: users\.email/);
  await assert.rejects(one("INSERT INTO users VALUES (101, 'new1@x', 'a'), (102, 'NEW1@x', 'b'), (103, 'new3@x', 'c'), (104, 'new4@x', 'd')"), /UNIQUE constraint failed: users\.email/);
  assert.deepEqual((await one('SELECT count(*) FROM users')).rows, [[12n]], 'nothing of the failed INSERTs is anywhere');
  const ign = await one("INSERT OR IGNORE INTO users VALUES (105, 'u5@x', 'dup'), (106, 'fresh@x', 'ok')");
  assert.equal(ign.rowsAffected, 1);
  // A conflict resolution acting on a row of another partition runs centrally (central-write.ts).
  assert.equal((await one("INSERT OR REPLACE INTO users VALUES (107, 'U7@x', 'r')")).rowsAffected, 1);
  assert.deepEqual((await one("SELECT id, email, name FROM users WHERE id IN (7, 107)")).rows, [[107n, 'U7@x', 'r']], 'the conflicting row (another partition) was replaced');
  await one("INSERT INTO users VALUES (108, 'u8@X', 'x') ON CONFLICT(email) DO UPDATE SET name = 'upserted ' || excluded.id");
  assert.deepEqual((await one("SELECT id, name FROM users WHERE id IN (8, 108)")).rows, [[8n, 'upserted 108']]);
  await assert.rejects(one("UPDATE users SET email = 'u2@x' WHERE id = 9"), /UNIQUE constraint failed: users\.email/);
  await assert.rejects(one("UPDATE users SET email = 'same@x' WHERE id IN (1, 2, 3, 4, 5)"), /UNIQUE constraint failed/);
  assert.deepEqual((await one("SELECT id, email FROM users WHERE id IN (1, 9) ORDER BY id")).rows, [[1n, 'u1@x'], [9n, 'u9@x']]);
  await one("UPDATE users SET email = 'moved@x' WHERE id = 9");
  await one("INSERT INTO users VALUES (110, 'u9@x', 'reuses a freed key')");
  assert.deepEqual((await one("SELECT count(*), count(DISTINCT lower(email)) FROM users")).rows, [[14n, 14n]]);
});

test('DDL history (indexes, views, ALTER TABLE rename/add/rename column, DROP) keeps every partition and the coordinator in step', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)');
  await one('CREATE INDEX t_a ON t(a)');
  await one('CREATE VIEW v AS SELECT id, a FROM t WHERE id > 2');
  await one("INSERT INTO t (a) VALUES ('x'), ('y'), ('z'), ('w')");
  await one('ALTER TABLE t RENAME TO t2');
  await one('ALTER TABLE t2 ADD COLUMN b INTEGER DEFAULT 7');
  await assert.rejects(one('ALTER TABLE t2 RENAME COLUMN a TO name'), /view v may reference it/, 'a failed DDL is rolled back everywhere');
  await one('DROP VIEW v');
  await one('ALTER TABLE t2 RENAME COLUMN a TO name');
  await one("INSERT INTO t2 (name) VALUES ('q')");
  assert.deepEqual((await one('SELECT id, name, b FROM t2 ORDER BY id')).rows, [[1n, 'x', 7n], [2n, 'y', 7n], [3n, 'z', 7n], [4n, 'w', 7n], [5n, 'q', 7n]]);
  assert.deepEqual((await one("SELECT count(*) FROM t2 WHERE name = 'q'")).rows, [[1n]]);
  await one('DROP TABLE t2');
  await assert.rejects(one('SELECT * FROM t2'), /no such table/);
  for (let p = 0; p < 4; p++) assert.equal(exec.shards[p % 2]!.engine(p).catalog.tables.size, 0, `partition ${p} dropped it`);
  await one('CREATE TABLE t2 (id INTEGER PRIMARY KEY, c TEXT)');
  assert.equal((await one("INSERT INTO t2 (c) VALUES ('again')")).lastInsertId, 1n, 'a re-created table starts its own rowids, as in SQLite');
});

test('VACUUM runs on every partition and keeps every row; inside an atomic batch it is refused', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)');
  for (let i = 0; i < 40; i++) await one('INSERT INTO t (s) VALUES (?)', [`value ${i}`.repeat(20)]);
  await one('DELETE FROM t WHERE id % 2 = 0');
  exec.sent.length = 0;
  await one('VACUUM');
  const vacuumed = exec.sent.flatMap((o) => (o.op === 'run' && o.stmts.some((x) => /vacuum/i.test(x.sql)) ? [o.p] : [])).sort();
  assert.deepEqual(vacuumed, [0, 1, 2, 3], 'every partition vacuumed');
  assert.deepEqual((await one('SELECT count(*), min(id), max(id) FROM t')).rows, [[20n, 1n, 39n]]);
  await assert.rejects(
    router.execute([{ sql: 'INSERT INTO t (s) VALUES (?)', params: ['x'] }, { sql: 'VACUUM', params: [] }], 'atomic'),
    /cannot VACUUM from within a transaction/,
  );
});

test('encode once: a single-partition statement comes back as the body the shard encoded; a fan-out as values', async () => {
  const { router, exec } = await localRouter(4, 2);
  await router.execute([{ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, r REAL)', params: [] }], 'one');
  await router.execute([{ sql: "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 2.0)", params: [] }], 'atomic');
  exec.sent.length = 0;
  const point = await router.executeOne({ sql: 'SELECT id, s, r FROM t WHERE id = ?', params: [2n] }, 'json');
  assert.ok(point instanceof Uint8Array, 'bytes from the shard');
  assert.equal(new TextDecoder().decode(point), resultToJson((await router.execute([{ sql: 'SELECT id, s, r FROM t WHERE id = ?', params: [2n] }], 'one'))[0]!));
  assert.deepEqual(exec.sent.filter((o) => o.op === 'run' && o.reply === 'json').length, 1, 'the partition was asked for JSON');
  const proto = await router.executeOne({ sql: 'SELECT s FROM t WHERE id = 1', params: [] }, 'proto');
  assert.ok(proto instanceof Uint8Array);
  assert.deepEqual(decodeExecuteResponse(proto).rows, [['a']]);
  const all = await router.executeOne({ sql: 'SELECT count(*) FROM t', params: [] }, 'json');
  assert.ok(!(all instanceof Uint8Array), 'a fan-out is merged at the coordinator');
  assert.deepEqual(all.rows, [[3n]]);
});

test('LIMIT without ORDER BY is pushed to the partitions when the plan reads in rowid order, with one database\'s rows', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string) => (await router.execute([{ sql, params: [] }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)');
  await one('CREATE INDEX ta ON t(a)');
  await one(`INSERT INTO t (id, a, b) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i + 1}, ${(i * 37) % 101}, 'r${i}')`).join(', ')}`);
  const scanned = (ops: readonly { op: string; pushdown?: { limit?: bigint } }[]) => ops.filter((o) => o.op === 'scan');
  exec.sent.length = 0;
  const r = await one('SELECT id, b FROM t LIMIT 5 OFFSET 3');
  assert.deepEqual(r.rows, [4n, 5n, 6n, 7n, 8n].map((i) => [i, `r${Number(i) - 1}`]));
  const scans = scanned(exec.sent as never);
  assert.equal(scans.length, 4);
  assert.ok(scans.every((o) => o.pushdown?.limit === 8n), 'each partition sends at most LIMIT + OFFSET rows');
  const ranged = await one('SELECT id FROM t WHERE id > 150 AND b <> \'r160\' LIMIT 3');
  assert.deepEqual(ranged.rows, [[151n], [152n], [153n]]);
  exec.sent.length = 0;
  // An index-ordered plan (a > 90 uses ta) is not rowid order: no LIMIT push, rows as one database gives them.
  const viaIndex = await one('SELECT id, a FROM t WHERE a > 90 LIMIT 4');
  assert.ok(scanned(exec.sent as never).every((o) => o.pushdown?.limit === undefined));
  const expected = Array.from({ length: 200 }, (_, i) => [BigInt(i + 1), BigInt((i * 37) % 101)] as const).filter(([, a]) => a > 90n).sort((x, y) => Number(x[1] - y[1]) || Number(x[0] - y[0])).slice(0, 4);
  assert.deepEqual(viaIndex.rows, expected.map((x) => [...x]));
});

test('a multi-partition INSERT … RETURNING answers in VALUES order, as one database does', async () => {
  const { router } = await localRouter(4, 2);
  const one = async (sql: string) => (await router.execute([{ sql, params: [] }], 'one'))[0]!;
  await one('CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)');
  const ids = [17, 3, 42, 8, 29, 1, 64, 11];
  const res = await one(`INSERT INTO r (id, v) VALUES ${ids.map((i) => `(${i}, 'v${i}')`).join(', ')} RETURNING id, v`);
  assert.equal(router.lastRoute.kind, 'multi');
  assert.deepEqual(res.rows, ids.map((i) => [BigInt(i), `v${i}`]));
  const auto = await one("INSERT INTO r (v) VALUES ('a'), ('b'), ('c'), ('d'), ('e') RETURNING v, id");
  assert.deepEqual(auto.rows.map((r) => r[0]), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(auto.rows.map((r) => r[1]), [65n, 66n, 67n, 68n, 69n]);
});

for (const partitions of [16, 1]) {
  test(`concurrent INSERT … VALUES of distinct keys never wait for each other (${partitions} partition${partitions > 1 ? 's' : ''})`, async () => {
    const { router } = await localRouter(partitions, Math.min(partitions, 2));
    await router.execute([{ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, s TEXT)', params: [] }], 'one');
    const before = router.locks.stats.waits;
    const worker = async (w: number) => {
      for (let i = 0; i < 20; i++) await router.execute([{ sql: 'INSERT INTO t (c, s) VALUES (?, ?)', params: [BigInt(w * 100 + i), 'x'] }], 'one');
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    // Each locks only the key it inserts (IX above it): a table-wide X here would serialize them all.
    assert.equal(router.locks.stats.waits - before, 0);
    assert.deepEqual((await router.execute([{ sql: 'SELECT count(*), count(DISTINCT id) FROM t', params: [] }], 'one'))[0]!.rows, [[320n, 320n]]);
  });
}

test('a filter-and-project SELECT over every partition runs there as it is and concatenates; with LIMIT it keeps one database\'s rows', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE f (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)');
  await one('CREATE INDEX fn ON f (n)');
  await one(`INSERT INTO f (id, n, s) VALUES ${Array.from({ length: 120 }, (_, i) => `(${i + 1}, ${(i * 13) % 50}, 's${i + 1}')`).join(', ')}`);
  const rows = Array.from({ length: 120 }, (_, i) => ({ id: BigInt(i + 1), n: BigInt((i * 13) % 50), s: `s${i + 1}` }));
  const sorted = (rs: readonly (readonly unknown[])[]) => rs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))).sort();

  exec.sent.length = 0;
  const r = await one('SELECT s, n * 2 AS d FROM f WHERE n % 7 = ? AND s <> ?', [3n, 's4']);
  assert.deepEqual(r.columns, ['s', 'd']);
  assert.deepEqual(sorted(r.rows), sorted(rows.filter((x) => x.n % 7n === 3n && x.s !== 's4').map((x) => [x.s, x.n * 2n])));
  const ops = exec.sent as { op: string; p?: number }[];
  assert.deepEqual(ops.filter((o) => o.op === 'run').map((o) => o.p).sort(), [0, 1, 2, 3], 'the statement runs on each partition');
  assert.ok(!ops.some((o) => o.op === 'scan'), 'no rows are gathered into the coordinator');

  const none = await one('SELECT id, s FROM f WHERE n > 1000');
  assert.deepEqual([none.columns, none.rows], [['id', 's'], []]);
  await assert.rejects(one('SELECT id, nope FROM f WHERE n > 1'), /no such column: nope/);

  // With LIMIT (no ORDER BY) the rows are the ones a single database returns: rowid order here.
  const limited = await one('SELECT id FROM f WHERE s <> ? LIMIT 5', ['s2']);
  assert.deepEqual(limited.rows, [[1n], [3n], [4n], [5n], [6n]]);
});

test('an encoded concatenated fan-out: each partition writes its rows in the caller\'s format and the parts splice into the values path\'s exact bytes', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: unknown[] = []) => (await router.execute([{ sql, params: params as never }], 'one'))[0]!;
  await one('CREATE TABLE e (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB)');
  await one(`INSERT INTO e VALUES (1, 9007199254740993, -0.0, 'é"\\n', x'00ff'), (2, NULL, 1.5, '', x''), (3, -5, NULL, 'z', NULL), (4, 0, 2.25, 'ü', x'01'), (5, 7, 1e300, 'a', NULL)`);
  for (const [sql, params] of [['SELECT * FROM e', []], ['SELECT t, i * 2 AS d, b FROM e WHERE id <> ?', [3n]], ['SELECT id FROM e WHERE id > 100', []]] as const) {
    const values = (await router.executeOne({ sql, params: [...params] })) as Parameters<typeof resultToJson>[0];
    for (const format of ['json', 'proto'] as const) {
      exec.sent.length = 0;
      const bytes = await router.executeOne({ sql, params: [...params] }, format);
      assert.ok(bytes instanceof Uint8Array, `${sql}: ${format} answered with bytes`);
      const expected = format === 'json' ? Buffer.from(resultToJson(values)) : Buffer.from(encodeExecuteResponse(values));
      assert.deepEqual(Buffer.from(bytes), expected, `${sql}: ${format} bytes`);
      const ops = exec.sent as { op: string; tx?: string; reply?: unknown }[];
      assert.equal(ops.length, 4, 'one run per partition, and nothing to end: no transaction was opened');
      assert.ok(ops.every((o) => o.op === 'run' && o.tx === undefined && JSON.stringify(o.reply) === JSON.stringify({ kind: 'part', part: format })));
    }
  }
  assert.deepEqual(decodeExecuteResponse((await router.executeOne({ sql: 'SELECT id FROM e WHERE i = ?', params: [-5n] }, 'proto')) as Uint8Array).rows, [[3n]]);
  await assert.rejects(router.executeOne({ sql: 'SELECT nope FROM e', params: [] }, 'json'), /no such column: nope/);
});
