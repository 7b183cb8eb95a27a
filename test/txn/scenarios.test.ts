/**
 * Golden 2PC scenarios: each test/txn/scenarios/NAME.txt is replayed through the pure protocol
 * classes over real paged partitions, and its transcript must equal NAME.golden. The transcript
 * shows every message, decision-log record and recovery event, so a protocol change shows up as
 * a reviewable diff. Regenerate with UPDATE_GOLDENFILES=1, then review the diff.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScenario } from './scenario-runner.js';

const DIR = fileURLToPath(new URL('../../../test/txn/scenarios/', import.meta.url));

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
  test(`2pc scenario ${file}`, () => {
    const got = runScenario(fs.readFileSync(path.join(DIR, file), 'utf8'));
    const golden = path.join(DIR, file.replace(/\.txt$/, '.golden'));
    if (process.env['UPDATE_GOLDENFILES'] === '1') fs.writeFileSync(golden, got);
    assert.ok(fs.existsSync(golden), `${golden} is missing: run with UPDATE_GOLDENFILES=1 and review it`);
    assert.equal(got, fs.readFileSync(golden, 'utf8'));
  });
}
