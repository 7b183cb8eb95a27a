/**
 * Shared helpers for the config tests: a temp directory that removes itself, and an assertion
 * that a load fails with a ConfigError naming the expected file, key, line and expectation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigError, type ConfigProblem } from '../../src/config/index.js';

/** A fresh directory, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'helios-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** Runs `fn`, which must throw a ConfigError; returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError, but the configuration was accepted');
}

export interface Expected {
  file?: string;
  key?: string;
  line?: number;
  variable?: string;
  /** Substrings the problem's message must contain (the expectation, the offending value). */
  says: string[];
}

/** Asserts the error holds exactly one problem matching `want`, also visible in `message`. */
export function assertOneProblem(e: ConfigError, want: Expected): ConfigProblem {
  assert.equal(e.problems.length, 1, `expected one problem, got:\n${e.message}`);
  return assertProblem(e, 0, want);
}

/** Asserts problem `i` matches `want` and that the message line says it all. */
export function assertProblem(e: ConfigError, i: number, want: Expected): ConfigProblem {
  const p = e.problems[i]!;
  const line = e.message.split('\n')[i]!;
  if (want.file !== undefined) {
    assert.equal(p.file, want.file);
    assert.ok(line.includes(want.file), `message line names the file: ${line}`);
  }
  if (want.key !== undefined) {
    assert.equal(p.key, want.key);
    assert.ok(line.includes(want.key), `message line names the key: ${line}`);
  }
  assert.equal(p.line, want.line, `line of: ${line}`);
  if (want.line !== undefined && want.file !== undefined) {
    assert.ok(line.startsWith(`${want.file}:${want.line}:`), `message line gives file:line: ${line}`);
  }
  assert.equal(p.variable, want.variable);
  if (want.variable !== undefined) assert.ok(line.includes(want.variable), `message line names the variable: ${line}`);
  for (const s of want.says) assert.ok(line.includes(s), `expected ${JSON.stringify(s)} in: ${line}`);
  if (i === 0) {
    assert.equal(e.file, p.file);
    assert.equal(e.key, p.key);
    assert.equal(e.line, p.line);
  }
  return p;
}
