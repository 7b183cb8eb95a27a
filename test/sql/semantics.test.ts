/**
 * SQLite semantics pinned case by case, each checked against better-sqlite3: type affinity on
 * storage and in comparisons, integer/real arithmetic and overflow, NULL logic, collations, and
 * the date/time functions (fixed inputs; 'now' through the engine's injectable clock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openOracle, openSession, oracleRows, show } from './helpers.js';

function agree(setup: string[], queries: string[]): void {
  const ours = openSession();
  const db = openOracle();
  for (const s of setup) { ours.execute(s); db.exec(s); }
  for (const q of queries) {
    const want = oracleRows(db, q).map((r) => r.map(show).join(','));
    const got = ours.execute(q).rows.map((r) => r.map(show).join(','));
    assert.deepEqual(got, want, q);
  }
}

test('column affinity converts stored values like SQLite', () => {
  agree(
    ['CREATE TABLE t(i INTEGER, r REAL, x TEXT, n NUMERIC, b BLOB, u)',
      "INSERT INTO t VALUES ('12', '12', 12, '12.0', '12', '12')",
      "INSERT INTO t VALUES ('1e3', '3', 1.5, '1e3', 1.5, 1.5)",
      "INSERT INTO t VALUES (' 7 ', 7, 7.0, 'abc', x'01', x'01')",
      "INSERT INTO t VALUES (2.0, 2.5, -0.0, 9223372036854775808, NULL, '0x10')"],
    ['SELECT typeof(i), typeof(r), typeof(x), typeof(n), typeof(b), typeof(u), i, r, x, n, b, u FROM t ORDER BY rowid'],
  );
});

test('comparisons apply affinity from columns, not from literals', () => {
  agree(
    ['CREATE TABLE t(i INTEGER, x TEXT, u)', "INSERT INTO t VALUES (5, '5', '5')", "INSERT INTO t VALUES (10, '10', 10)"],
    [
      "SELECT i = '5', x = 5, u = 5, u = '5', i < '10', x < 10, '5' = 5, 5 < 'a', x'00' > 'z' FROM t ORDER BY rowid",
      "SELECT count(*) FROM t WHERE x > 9", "SELECT count(*) FROM t WHERE i IN ('5', '10')", "SELECT count(*) FROM t WHERE x IN (5, 10)",
      'SELECT +i = x, i = +x, CAST(x AS INTEGER) = i FROM t ORDER BY rowid',
      "SELECT 'abc' = 'ABC', 'abc' = 'ABC' COLLATE NOCASE, 'a ' = 'a' COLLATE RTRIM, 'B' < 'a', 'B' < 'a' COLLATE NOCASE",
    ],
  );
});

test('arithmetic: integer division, overflow to REAL, NULL and zero divisors', () => {
  agree([], [
    'SELECT 7 / 2, -7 / 2, 7 % -3, -7 % 3, 7.0 / 2, 7 / 0, 7 % 0, 7.5 % 2, 1 / 0.0',
    'SELECT 9223372036854775807 + 1, -9223372036854775808 - 1, 9223372036854775807 * 2, -(-9223372036854775808), abs(-9223372036854775807)',
    "SELECT '3' + '4', '3.5' * 2, 'abc' + 1, '12abc' * 1, x'31' + 1, NULL + 1, 5 - NULL",
    'SELECT 1 << 63, 1 << 64, -1 >> 70, 5 & 3, 5 | 3, ~5, 1 << -1',
    'SELECT 0.1 + 0.2, 1e308 * 10, -1e308 * 10, 1.0 / 3, 100000000000000000000.0, 123456789012345678',
  ]);
});

test('three-valued logic and NULL-aware operators', () => {
  agree([], [
    'SELECT NULL AND 0, NULL AND 1, NULL OR 1, NULL OR 0, NOT NULL, NULL = NULL, NULL IS NULL, 1 IS NOT NULL, NULL IS 1',
    'SELECT 1 IN (NULL, 1), 2 IN (NULL, 1), 2 NOT IN (NULL, 1), NULL IN (), NULL NOT IN (), 1 IN (SELECT NULL)',
    'SELECT 2 BETWEEN 1 AND NULL, 0 BETWEEN 1 AND NULL, NULL BETWEEN 1 AND 2, CASE NULL WHEN NULL THEN 1 ELSE 2 END',
    'SELECT coalesce(NULL, NULL, 3), ifnull(NULL, 4), nullif(5, 5), nullif(5, 6), iif(NULL, 1, 2), 1 IS NOT DISTINCT FROM 1, NULL IS DISTINCT FROM NULL',
  ]);
});

test('scalar functions match SQLite', () => {
  agree([], [
    "SELECT length('héllo'), length(x'0102'), lower('ÀBC'), upper('abc'), substr('hello', 2, 3), substr('hello', -3), substr('hello', 0, 2), substr('hello', 2, -1)",
    "SELECT trim('  a  '), ltrim('xxaxx', 'x'), rtrim('xxaxx', 'x'), replace('abab', 'b', 'cd'), instr('hello', 'll'), instr('hello', 'z')",
    "SELECT round(2.5), round(-2.5), round(1.234, 2), round(3), typeof(round(3)), hex('abc'), hex(255), quote('it''s'), quote(1.5), quote(NULL), quote(x'ab')",
    "SELECT printf('%d|%5s|%-5s|%05.1f|%x|%X|%o|%e|%g|%%|%c|%q|%Q', 42, 'ab', 'ab', 3.14159, 255, 255, 8, 12345.678, 0.0001, 'xyz', 'a''b', NULL)",
    "SELECT max(1, 2.5, '3'), min(1, 2.5, '3'), max(NULL, 1), typeof(1), typeof(1.0), typeof('1'), typeof(x'01'), typeof(NULL)",
    "SELECT 'abc' LIKE '%%', 'abc' LIKE '_%_', '' LIKE '%', '' LIKE '_', 'a_c' LIKE 'a\\_c' ESCAPE '\\', 'abc' LIKE 'a\\_c' ESCAPE '\\', 'aXb' LIKE '%x%', 'mississippi' LIKE '%iss%ipp%'",
    "SELECT ']' GLOB '[]]', 'b' GLOB '[]a]', '-' GLOB '[a-]', 'x' GLOB '[a-c', 'abc' GLOB '*', '' GLOB '*', 'ab' GLOB '?', 'aXb' GLOB '*X*', 'é' GLOB '?', 'é' LIKE '_'",
    "SELECT 'abc' LIKE 'A_C', 'abc' LIKE 'a%', 'a%c' LIKE 'a!%c' ESCAPE '!', 'abc' GLOB 'a*', 'abc' GLOB 'A*', 'abc' GLOB '[a-c]b?', 'x' GLOB '[^a]'",
    'SELECT group_concat(v), group_concat(DISTINCT v), group_concat(v, \'-\'), count(v), count(*), sum(v), total(v), avg(v), min(v), max(v) FROM (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 2 UNION ALL SELECT NULL)',
  ]);
});

test('date and time functions match SQLite on fixed inputs', () => {
  agree([], [
    "SELECT date('2024-02-29'), time('12:34:56.789'), datetime('2024-01-31 23:59:59'), julianday('2000-01-01 12:00:00'), unixepoch('2024-01-01 00:00:00')",
    "SELECT date('2024-01-31', '+1 month'), date('2024-03-31', '-1 month'), date('2023-02-28', '+1 year'), datetime('2024-01-01', '+36 hours', '-30 minutes', '+15 seconds')",
    "SELECT date('2024-05-15', 'start of month'), date('2024-05-15', 'start of year'), datetime('2024-05-15 10:20:30', 'start of day'), date('2024-05-15', 'weekday 0'), date('2024-05-19', 'weekday 0')",
    "SELECT datetime(1700000000, 'unixepoch'), date(2460000.5), strftime('%Y-%m-%d %H:%M:%S %j %w %s', '2024-07-04 05:06:07'), strftime('%W %u %f', '2024-12-31 23:59:58.5')",
    "SELECT date('not a date'), date('2024-13-01'), datetime('2024-01-01', 'bogus'), time('25:00'), date(NULL)",
    "SELECT datetime('2024-01-01T10:00:00+02:00'), datetime('2024-01-01 10:00:00Z'), date('2024-01-01', '+1.5 days'), julianday('2024-03-01') - julianday('2024-02-01')",
  ]);
});

test("'now' comes from the engine's clock, the same for the whole statement", () => {
  const fixed = Date.UTC(2026, 10, 24, 3, 4, 5);
  const s = openSession({ now: () => fixed });
  const r = s.execute("SELECT date('now'), datetime('now'), unixepoch(), strftime('%s','now'), CURRENT_TIMESTAMP, time()").rows[0]!;
  assert.deepEqual(r, ['2026-11-24', '2026-11-24 03:04:05', BigInt(fixed / 1000), String(fixed / 1000), '2026-11-24 03:04:05', '03:04:05']);
  s.execute("CREATE TABLE o(id INTEGER PRIMARY KEY, at INTEGER DEFAULT (strftime('%s','now')))");
  s.execute('INSERT INTO o(id) VALUES (1)');
  assert.deepEqual(s.execute('SELECT at, typeof(at) FROM o').rows, [[BigInt(fixed / 1000), 'integer']]);
});

test('bare columns of an aggregate query: the min()/max() row, else the first row', () => {
  agree(
    ['CREATE TABLE t(g, a, b)', "INSERT INTO t VALUES (1, 5, 'x'), (1, 2, 'y'), (1, 9, 'z'), (2, 7, 'p'), (2, 1, 'q')"],
    ['SELECT g, max(a), b FROM t GROUP BY g ORDER BY g', 'SELECT g, min(a), b FROM t GROUP BY g ORDER BY g', 'SELECT min(a), b FROM t', 'SELECT count(*), b FROM t WHERE g = 2', 'SELECT g, sum(a), b FROM t GROUP BY g'],
  );
});

test('WITH RECURSIVE: counting, graph walks with UNION, LIMIT', () => {
  agree(
    ['CREATE TABLE edge(a INTEGER, b INTEGER)', 'INSERT INTO edge VALUES (1, 2), (2, 3), (3, 1), (3, 4), (5, 6)',
      'CREATE TABLE emp(id INTEGER PRIMARY KEY, boss INTEGER, name TEXT)',
      "INSERT INTO emp VALUES (1, NULL, 'ceo'), (2, 1, 'cto'), (3, 2, 'dev'), (4, 2, 'ops'), (5, 1, 'cfo')"],
    [
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT sum(x), count(*) FROM c',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT b FROM edge, r WHERE edge.a = r.n) SELECT n FROM r ORDER BY n',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x * 2 FROM c LIMIT 8) SELECT x FROM c',
      "WITH RECURSIVE chain(id, name, depth) AS (SELECT id, name, 0 FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, e.name, chain.depth + 1 FROM emp e JOIN chain ON e.boss = chain.id) SELECT name, depth FROM chain ORDER BY depth, name",
      'WITH RECURSIVE f(a, b) AS (SELECT 0, 1 UNION ALL SELECT b, a + b FROM f WHERE b < 100) SELECT group_concat(a) FROM f',
    ],
  );
  const s = openSession({ maxRecursiveRows: 5000 });
  assert.throws(() => s.execute('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'), /more than 5000 rows/);
  assert.deepEqual(s.execute('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3) SELECT x FROM c').rows, [[1n], [2n], [3n]]);
});

test('long IN lists (hashed) keep per-comparison affinity and NULL rules', () => {
  agree(
    ['CREATE TABLE t(i INTEGER, x TEXT, u)', "INSERT INTO t VALUES (1, '1', 1), (2, 'b', '2'), (3, '3.0', 3.0), (NULL, NULL, NULL), (10, 'B', x'41')"],
    [
      "SELECT i IN (1, '2', 3.0, 4, 5, 6, 7, 8, 9), x IN (1, 'b', 3, 4, 5, 6, 7, 8, 9), u IN (1, '2', 3, 4, 5, 6, 7, 8, x'41') FROM t ORDER BY rowid",
      "SELECT i NOT IN (1, 2, NULL, 4, 5, 6, 7, 8, 9), x IN ('B', 'x', 'y', 'z', 'w', 'v', 'u', 't', 's') COLLATE NOCASE FROM t ORDER BY rowid",
    ],
  );
});
