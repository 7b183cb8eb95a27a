/** Parser: round trips through the printer, error positions (bytes) and tokens, parameters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeliosError } from '../../src/errors.js';
import { parse } from '../../src/sql/parser.js';
import { printStatement } from '../../src/sql/ast-printer.js';
import { splitStatements } from '../../src/sql/index.js';
import { parseSlt } from '../sqllogictest/slt-format.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = process.env.SLT_DIR ?? resolve(here, '../../../../shared/sqllogictest');

/** Structure without spans and with identifier case folded. */
function shape(x: unknown): string {
  return JSON.stringify(x, (k, v) => (k === 'start' || k === 'end' || k === 'quoted' ? undefined
    : typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `blob:${Buffer.from(v).toString('hex')}`
      : (k === 'name' || k === 'table' || k === 'alias') && typeof v === 'string' ? v.toLowerCase() : v));
}

function roundTrip(sql: string): void {
  const a = parse(sql).stmt;
  const printed = printStatement(a);
  const b = parse(printed).stmt;
  assert.equal(shape(b), shape(a), `round trip changed the tree:\n  ${sql}\n  ${printed}`);
}

test('hand-written statements survive print → parse', () => {
  for (const sql of [
    "CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, created_at INTEGER DEFAULT (strftime('%s','now')), status TEXT DEFAULT 'new' CHECK (status IN ('new','paid')), qty INTEGER UNIQUE, UNIQUE (customer_id, status))",
    'CREATE INDEX IF NOT EXISTS o_cust ON orders (customer_id, created_at DESC) WHERE status IS NOT NULL',
    'SELECT DISTINCT o.*, c.name AS n FROM orders AS o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.id IN (SELECT 1 UNION SELECT 2) AND NOT EXISTS (SELECT 1 FROM x) GROUP BY 1, o.status HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT ? OFFSET ?',
    "WITH t(a) AS (VALUES (1), (2)) SELECT a, CASE a WHEN 1 THEN 'one' ELSE 'many' END, CAST(a AS TEXT), a BETWEEN 1 AND 2, a NOT LIKE 'x%' ESCAPE '!', a IS NOT DISTINCT FROM NULL, -a, ~a, a || 'x' COLLATE NOCASE FROM t",
    'INSERT OR REPLACE INTO t (a, b) VALUES (1, :x), (2, @y) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE b > 0 RETURNING *',
    'UPDATE orders SET qty = qty - ? WHERE id = ?2 RETURNING id, qty',
    'DELETE FROM orders WHERE id IN (1, 2, 3)',
    'SELECT -9223372036854775808, 9223372036854775808, 0x10, 1e3, .5, X\'ABCD\', NULL, count(DISTINCT a), count(*) FROM t',
    'EXPLAIN SELECT 1',
  ]) roundTrip(sql);
});

test('every statement of select1.test and the evidence files survives print → parse', { skip: !existsSync(corpusDir) }, () => {
  let n = 0;
  for (const f of ['select1.test', 'select3.test', 'evidence/in1.test', 'evidence/slt_lang_update.test', 'evidence/slt_lang_createview.test']) {
    for (const r of parseSlt(readFileSync(resolve(corpusDir, f), 'utf8'))) {
      if (r.kind !== 'statement' && r.kind !== 'query') continue;
      for (const sql of splitStatements(r.sql)) {
        let ok = true;
        try { parse(sql); } catch { ok = false; }
        if (ok) { roundTrip(sql); n++; }
      }
    }
  }
  assert.ok(n > 3000, `round-tripped ${n} statements`);
});

function syntaxError(sql: string): HeliosError {
  try {
    parse(sql);
  } catch (e) {
    assert.ok(e instanceof HeliosError);
    return e;
  }
  assert.fail(`expected a syntax error for ${sql}`);
}

test('syntax errors carry the byte offset and the offending token', () => {
  let e = syntaxError('SELECT * FORM t');
  assert.equal(e.code, 'SQL_SYNTAX');
  assert.equal(e.offset, 9);
  assert.match(e.message, /near "FORM"/);
  e = syntaxError('SELEC 1');
  assert.equal(e.offset, 0);
  assert.match(e.message, /near "SELEC"/);
  e = syntaxError('SELECT 1 +');
  assert.equal(e.offset, 10);
  assert.match(e.message, /incomplete input/);
  e = syntaxError("SELECT 'é', 'ü' FROM WHERE");
  assert.equal(e.offset, Buffer.byteLength("SELECT 'é', 'ü' FROM "));
  assert.match(e.message, /near "WHERE"/);
  e = syntaxError("SELECT 'abc");
  assert.equal(e.offset, 7);
  assert.match(e.message, /unterminated string/);
  e = syntaxError('SELECT 1; SELECT 2');
  assert.equal(e.offset, 10);
  e = syntaxError('SELECT #1');
  assert.equal(e.offset, 7);
  assert.match(e.message, /unrecognized token/);
  e = syntaxError('SELECT 12abc');
  assert.equal(e.offset, 7);
  e = syntaxError('');
  assert.match(e.message, /empty statement/);
});

test('parameters: ? numbers left to right, ?NNN and named ones get indexes', () => {
  assert.deepEqual(parse('SELECT ?, ?, ?').params, ['', '', '']);
  assert.deepEqual(parse('SELECT ?2, ?1').params, ['', '']);
  assert.deepEqual(parse('SELECT :a, @b, $c, :a').params, [':a', '@b', '$c']);
  assert.equal(syntaxError('SELECT ?0').code, 'SQL_SYNTAX');
});

test('splitStatements splits at top-level semicolons only', () => {
  assert.deepEqual(splitStatements("SELECT ';'; SELECT \"a;b\" -- c;\n; /* ; */ SELECT 3;"), ["SELECT ';'", 'SELECT "a;b" -- c;', '/* ; */ SELECT 3']);
  assert.deepEqual(splitStatements('  ;; '), []);
});
