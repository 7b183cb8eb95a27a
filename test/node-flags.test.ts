/**
 * The server's Node.js flags are written out in each launch command (V8 reads them only at start):
 * every copy must match src/node-flags.ts, and this Node must accept them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { SERVER_NODE_FLAGS } from '../src/node-flags.js';

const root = new URL('../../', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, root), 'utf8');
const flags = SERVER_NODE_FLAGS.join(' ');

test('package.json start, the Dockerfile ENTRYPOINT and the CLI shebang carry the server flags', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['start']!, new RegExp(`node ${flags} dist/src/cli\\.js serve`));
  const entry = /^ENTRYPOINT (.*)$/m.exec(read('Dockerfile'));
  assert.ok(entry, 'the Dockerfile has an ENTRYPOINT');
  assert.deepEqual(JSON.parse(entry[1]!), ['node', ...SERVER_NODE_FLAGS, 'dist/src/cli.js']);
  assert.equal(read('src/cli.ts').split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
});

test('this Node accepts the server flags', () => {
  const out = execFileSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', 'console.log(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
  assert.deepEqual((JSON.parse(out) as string[]).slice(0, SERVER_NODE_FLAGS.length), SERVER_NODE_FLAGS);
});
