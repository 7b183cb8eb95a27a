/**
 * Golden scripts for the planner (test/sql/testscripts/optimizer/*.sql): each runs its
 * statements on a fresh engine and prints every EXPLAIN's plan and every query's rows; the
 * output must equal the committed .out file. After a deliberate planner change, regenerate with
 * UPDATE_GOLDENFILES=1 and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitStatements } from '../../src/sql/index.js';
import { openSession, show } from './helpers.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/sql/testscripts/optimizer');

function runScript(sql: string): string {
  const s = openSession();
  let out = '';
  for (const stmt of splitStatements(sql)) {
    const text = stmt.replace(/^(--[^\n]*\n)+/, '').trim();
    const r = s.execute(stmt, /\?/.test(text) && /^EXPLAIN/i.test(text) ? [1n] : undefined);
    if (/^EXPLAIN/i.test(text)) out += `> ${text}\n${r.rows.map((x) => `  ${String(x[0])}`).join('\n')}\n`;
    else if (/^SELECT/i.test(text)) out += `> ${text}\n${r.rows.map((x) => `  ${x.map(show).join(' | ')}`).join('\n')}\n`;
  }
  return out;
}

for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
  test(`optimizer golden: ${f}`, () => {
    const got = runScript(readFileSync(join(dir, f), 'utf8'));
    const golden = join(dir, f.replace(/\.sql$/, '.out'));
    if (process.env.UPDATE_GOLDENFILES === '1' || !existsSync(golden)) writeFileSync(golden, got);
    assert.equal(got, readFileSync(golden, 'utf8'));
  });
}
