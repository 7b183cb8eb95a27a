/**
 * The key locator finds the line of every key in the TOML forms a config file uses, and is not
 * fooled by strings that look like keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { formatKey, locateKeys } from '../../src/config/key-lines.js';

const TEXT = `# comment = 1
title = "x" # trailing

[database]
path = "./data"   # a comment with = sign
"wal_mode" = 'sync'

[api]
note = """
rest_port = 1
[fake]
"""
rest_port = 8080
lit = '''
grpc_port = 2 '''
grpc_port = 50051
tls.enabled = true
arr = [
  1,
  # comment
  { a = 1 }, [2, 3],
  "s]",
]

[[api.methods]]
name = "A"

[[api.methods]]
name = "B"
opts = { x = { y = 1 }, z = "}" }

[schema.shard_keys]
"my.table" = "c"
plain = "d"
when = 1979-05-27 07:32:00Z
after = 1
`;

test('locates keys through headers, arrays of tables, inline tables and tricky strings', () => {
  parse(TEXT); // the locator only ever sees valid TOML: make sure this is
  const k = locateKeys(TEXT);
  const expectLines: [(string | number)[], number][] = [
    [['title'], 2],
    [['database'], 4],
    [['database', 'path'], 5],
    [['database', 'wal_mode'], 6],
    [['api', 'note'], 9],
    [['api', 'rest_port'], 13],
    [['api', 'grpc_port'], 16],
    [['api', 'tls'], 17],
    [['api', 'tls', 'enabled'], 17],
    [['api', 'arr', 0], 19],
    [['api', 'arr', 1, 'a'], 21],
    [['api', 'arr', 2, 1], 21],
    [['api', 'arr', 3], 22],
    [['api', 'methods'], 25],
    [['api', 'methods', 0], 25],
    [['api', 'methods', 0, 'name'], 26],
    [['api', 'methods', 1], 28],
    [['api', 'methods', 1, 'name'], 29],
    [['api', 'methods', 1, 'opts', 'x', 'y'], 30],
    [['schema', 'shard_keys', 'my.table'], 33],
    [['schema', 'shard_keys', 'plain'], 34],
    [['schema', 'shard_keys', 'after'], 36],
  ];
  for (const [path, line] of expectLines) assert.equal(k.lineOf(path), line, formatKey(path));
  // Not keys: text inside strings.
  assert.equal(k.lineOf(['fake']), undefined);
  // A missing key falls back to its nearest written ancestor.
  assert.equal(k.lineOf(['api', 'methods', 1, 'sql']), 28);
  assert.equal(k.lineOf(['observability', 'x']), undefined);
});

test('formatKey quotes keys that are not bare', () => {
  assert.equal(formatKey(['api', 'methods', 3, 'name']), 'api.methods[3].name');
  assert.equal(formatKey(['schema', 'shard_keys', 'a.b']), 'schema.shard_keys."a.b"');
  assert.equal(formatKey(['x', 'with space']), 'x."with space"');
});

test('never throws or hangs on text it does not understand', () => {
  for (const junk of ['[', 'a = ', 'a = "unterminated', '[[x]\n', '= 1', 'a = [1, 2', '\u0000', 'a.b.c = {']) {
    locateKeys(junk);
  }
  assert.equal(locateKeys('a = 1\n[b\nc = 2').lineOf(['a']), 1, 'keeps what it found before the junk');
});
