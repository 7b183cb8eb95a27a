/**
 * Differential: sqllogictest files (../shared/sqllogictest, or $SLT_DIR) run through the router
 * on 4 partitions over 2 in-process shards must give exactly what one partition gives (the plain
 * engine the corpus test already checks against SQLite): same statement outcomes (ok or error)
 * and the same query results — in the same order when the query has an ORDER BY, as a multiset
 * otherwise. `SHARDS_SLT=all` runs every file of the corpus (minutes); the default is
 * select1–3, the index/ files, the evidence/ files (triggers, UPDATE, REPLACE, views: the
 * central write path) and the first random/aggregates and random/groupby files (the
 * partial-aggregate fast path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSlt } from '../sqllogictest/slt-format.js';
import { formatValue } from '../sqllogictest/slt-runner.js';
import { SqlEngine, splitStatements } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import type { Value } from '../../src/storage/api.js';
import { localRouter } from './harness.js';
import { listTests } from '../helpers/slt-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = process.env['SLT_DIR'] ?? resolve(here, '../../../../shared/sqllogictest');


type Outcome = { ok: true; values: string[] } | { ok: false };

function shape(rows: Value[][], types: string, sql: string): string[] {
  const strs = rows.map((r) => r.map((v, i) => formatValue(v, types[i] ?? 'T')).join('|'));
  return /\border\s+by\b/i.test(sql) ? strs : strs.sort();
}

async function differential(file: string): Promise<{ records: number; mismatches: string[] }> {
  const records = parseSlt(readFileSync(file, 'utf8'));
  const single = new SqlEngine(openMemoryPartition(0)).session();
  const { router } = await localRouter(4, 2);
  const mismatches: string[] = [];
  let n = 0;
  for (const r of records) {
    if (r.kind === 'halt') break;
    if (r.kind === 'hash-threshold') continue;
    n++;
    const types = r.kind === 'query' ? r.types : '';
    const ref: Outcome = (() => {
      try {
        if (r.kind === 'statement') { for (const one of splitStatements(r.sql)) single.execute(one); return { ok: true, values: [] }; }
        return { ok: true, values: shape(single.execute(r.sql).rows, types, r.sql) };
      } catch { return { ok: false }; }
    })();
    let got: Outcome;
    try {
      if (r.kind === 'statement') { for (const one of splitStatements(r.sql)) await router.execute([{ sql: one, params: [] }], 'one'); got = { ok: true, values: [] }; }
      else got = { ok: true, values: shape((await router.execute([{ sql: r.sql, params: [] }], 'one'))[0]!.rows, types, r.sql) };
    } catch (e) {
      got = { ok: false };
      if (ref.ok) mismatches.push(`line ${r.line}: partitioned failed (${(e as Error).message}): ${r.sql.slice(0, 200)}`);
      continue;
    }
    if (!ref.ok) { mismatches.push(`line ${r.line}: single partition failed, partitioned did not: ${r.sql.slice(0, 200)}`); continue; }
    if (got.ok && JSON.stringify(got.values) !== JSON.stringify(ref.values)) {
      mismatches.push(`line ${r.line}: results differ: ${r.sql.slice(0, 200)}\n  single: ${ref.values.slice(0, 6).join(' ')}\n  4 parts: ${got.values.slice(0, 6).join(' ')}`);
    }
  }
  return { records: n, mismatches };
}

const files = existsSync(corpus)
  ? listTests(corpus).filter((f) => process.env['SHARDS_SLT'] === 'all' || /^(select[123]\.test|index\/|evidence\/|random\/(aggregates|groupby)\/slt_good_0\.test)/.test(relative(corpus, f)))
  : [];

test('sqllogictest through the router on 4 partitions matches one partition', { skip: files.length === 0 ? `no corpus at ${corpus}` : false }, async () => {
  for (const f of files) {
    const t0 = Date.now();
    const { records, mismatches } = await differential(f);
    console.log(`${relative(corpus, f)}: ${records} records, ${mismatches.length} mismatches (${Date.now() - t0} ms)`);
    assert.deepEqual(mismatches.slice(0, 10), [], relative(corpus, f));
  }
});
