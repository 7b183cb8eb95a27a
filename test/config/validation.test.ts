/**
 * Every kind of configuration error names the file, the key (dotted), the line and what was
 * expected; all problems of one load are reported together, one per line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, parseConfigText } from '../../src/config/index.js';
import { assertOneProblem, assertProblem, configError, tempDir, writeFiles } from './helpers.js';
import { makeSelfSignedCert } from '../helpers/tls-cert.js';

const FILE = '/etc/heliosdb/heliosdb.toml';
const load = (text: string, file = FILE) => parseConfigText(text, file, {});
const fails = (text: string, file = FILE) => configError(() => load(text, file));

test('TOML syntax error: file, line, column and smol-toml excerpt', () => {
  const e = fails('[api]\nrest_port = 80a\n');
  const p = assertOneProblem(e, { file: FILE, line: 2, says: ['TOML syntax error', 'illegal character in numeric literal'] });
  assert.equal(p.column, 15);
  assert.ok(e.message.startsWith(`${FILE}:2:15: TOML syntax error`), e.message);
  assert.match(e.message, /2: {2}rest_port = 80a\n {18}\^/, 'the excerpt with its caret follows');
});

test('a duplicate table is a syntax error at the redefinition', () => {
  const e = fails('[api]\nrest_port = 1\n\n[api]\ngrpc_port = 2\n');
  assertOneProblem(e, { file: FILE, line: 4, says: ['redefine'] });
});

test('unknown key: names the key, suggests the near one, lists what the table accepts', () => {
  const e = fails('[api]\nbind_address = "0.0.0.0"\nrest_prot = 8081\n');
  assertOneProblem(e, {
    file: FILE,
    key: 'api.rest_prot',
    line: 3,
    says: ['unknown key', 'did you mean rest_port?', 'rest_port', 'grpc_port', 'max_request_size_mb'],
  });
});

test('unknown section and unknown nested table', () => {
  let e = fails('# c\n\n[databse]\npath = "x"\n');
  assertOneProblem(e, { file: FILE, key: 'databse', line: 3, says: ['unknown section', 'did you mean database?', 'retention'] });
  e = fails('[api.tlss]\nenabled = true\n');
  assertOneProblem(e, { file: FILE, key: 'api.tlss', line: 1, says: ['unknown key', 'did you mean tls?'] });
  e = fails('top = 1\n');
  assertOneProblem(e, { file: FILE, key: 'top', line: 1, says: ['unknown section'] });
});

test('wrong types: each names what it got', () => {
  const cases: [string, string, number, string[]][] = [
    ['[api]\nenable_cors = "yes"\n', 'api.enable_cors', 2, ['expected true or false', '"yes" (a string)']],
    ['[database]\ncache_size_mb = "256"\n', 'database.cache_size_mb', 2, ['expected an integer 1..262144 (MiB)', '"256" (a string)']],
    ['[database]\ncache_size_mb = 1.5\n', 'database.cache_size_mb', 2, ['expected an integer', '1.5 (a float)']],
    ['[database]\npath = 7\n', 'database.path', 2, ['expected a non-empty file path', '7 (an integer)']],
    ['[observability]\nlog_level = 3\n', 'observability.log_level', 2, ['expected one of "trace"', '3 (an integer)']],
    ['[api]\nbind_address = [1]\n', 'api.bind_address', 2, ['expected an IP address or a host name', 'an array']],
    ['[storage]\npartitions = 1979-05-27\n', 'storage.partitions', 2, ['expected an integer', '(a date)']],
    ['api = 5\n', 'api', 1, ['expected a table [api]', '5 (an integer)']],
    ['[api]\ntls = true\n', 'api.tls', 2, ['expected a table [api.tls]', 'true (a boolean)']],
  ];
  for (const [text, key, line, says] of cases) assertOneProblem(fails(text), { file: FILE, key, line, says });
});

test('a float is not a port, even 8080.0', () => {
  const e = fails('[api]\n\nrest_port = 8080.0\n');
  assertOneProblem(e, {
    file: FILE,
    key: 'api.rest_port',
    line: 3,
    says: ['expected an integer port 0..65535 (0 = pick a free one)', 'got 8080.0 (a float)', 'write 8080'],
  });
});

test('ports out of range; 0 and 65535 accepted', () => {
  assertOneProblem(fails('[observability]\nmetrics_port = 65536\n'), {
    file: FILE,
    key: 'observability.metrics_port',
    line: 2,
    says: ['0..65535', 'got 65536'],
  });
  assertOneProblem(fails('[api]\ngrpc_port = -1\n'), { file: FILE, key: 'api.grpc_port', line: 2, says: ['got -1'] });
  const ok = load('[api]\nrest_port = 0\ngrpc_port = 65535\n[observability]\nmetrics_port = 0\n').config;
  assert.equal(ok.api.rest_port, 0);
  assert.equal(ok.api.grpc_port, 65535);
  assert.equal(ok.observability.metrics_port, 0);
});

test('sizes must be positive and sane', () => {
  assertOneProblem(fails('[database]\ncache_size_mb = 0\n'), { file: FILE, key: 'database.cache_size_mb', line: 2, says: ['1..262144', 'got 0'] });
  assertOneProblem(fails('[api]\nmax_request_size_mb = 268435456\n'), {
    file: FILE,
    key: 'api.max_request_size_mb',
    line: 2,
    says: ['1..1024 (MiB)', 'got 268435456'],
  });
  // Beyond 2^64: still a clean range error, not a parser crash.
  assertOneProblem(fails('[transactions]\nmax_concurrent = 99999999999999999999\n'), {
    file: FILE,
    key: 'transactions.max_concurrent',
    line: 2,
    says: ['got 99999999999999999999'],
  });
  assertOneProblem(fails('[performance]\nworker_threads = 0\n'), { file: FILE, key: 'performance.worker_threads', line: 2, says: ['1..256'] });
});

test('storage.page_size_kb: a power of two 4..64 KiB', () => {
  for (const bad of ['12', '2', '128', '0', '-8']) {
    assertOneProblem(fails(`[storage]\npage_size_kb = ${bad}\n`), {
      file: FILE,
      key: 'storage.page_size_kb',
      line: 2,
      says: ['expected a power of two 4..64 (KiB)', `got ${bad}`],
    });
  }
  assertOneProblem(fails('[storage]\npage_size_kb = 16.0\n'), { file: FILE, key: 'storage.page_size_kb', line: 2, says: ['16.0 (a float)', 'write 16 without the fraction'] });
  for (const ok of [4, 8, 16, 32, 64]) assert.equal(load(`[storage]\npage_size_kb = ${ok}\n`).config.storage.page_size_kb, ok);
});

test('bad enum values, with a hint for a near miss', () => {
  assertOneProblem(fails('[database]\nwal_mode = "fsync"\n'), {
    file: FILE,
    key: 'database.wal_mode',
    line: 2,
    says: ['expected one of "sync", "async"', 'got "fsync"', 'did you mean "sync"?'],
  });
  assertOneProblem(fails('[performance]\nsimd_acceleration = "sse4"\n'), {
    file: FILE,
    key: 'performance.simd_acceleration',
    line: 2,
    says: ['"auto", "avx2", "avx512", "neon", "wasm", "none"', 'got "sse4"'],
  });
  assertOneProblem(fails('[observability]\nlog_level = "WARN"\n'), {
    file: FILE,
    key: 'observability.log_level',
    line: 2,
    says: ['did you mean "warn"?'],
  });
});

test('bind_address and URLs', () => {
  assertOneProblem(fails('[api]\nbind_address = "10.0.0.256"\n'), { file: FILE, key: 'api.bind_address', line: 2, says: ['IP address or a host name'] });
  assertOneProblem(fails('[api]\nbind_address = "my host"\n'), { file: FILE, key: 'api.bind_address', line: 2, says: ['"my host"'] });
  for (const ok of ['0.0.0.0', '::', '::1', 'localhost', 'db-1.internal']) {
    assert.equal(load(`[api]\nbind_address = "${ok}"\n`).config.api.bind_address, ok);
  }
  assertOneProblem(fails('[observability]\ntracing_endpoint = "localhost:4318"\n'), {
    file: FILE,
    key: 'observability.tracing_endpoint',
    line: 2,
    says: ['http:// or https:// URL'],
  });
  assertOneProblem(fails('[observability]\n\ntracing_enabled = true\n'), {
    file: FILE,
    key: 'observability.tracing_endpoint',
    line: 3,
    says: ['required when observability.tracing_enabled = true'],
  });
});

test('TLS enabled: both files required and must exist, resolved from the config file directory', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'heliosdb.toml');
  let e = fails('[api.tls]\nenabled = true\n', file);
  assert.equal(e.problems.length, 2, e.message);
  assertProblem(e, 0, { file, key: 'api.tls.cert_path', line: 2, says: ['required when api.tls.enabled = true', 'PEM certificate'] });
  assertProblem(e, 1, { file, key: 'api.tls.key_path', line: 2, says: ['required when api.tls.enabled = true', 'PEM private-key'] });

  writeFiles(dir, { 'certs/server.crt': 'CERT' });
  e = fails('[api.tls]\nenabled = true\ncert_path = "certs/server.crt"\nkey_path = "certs/server.key"\n', file);
  assertOneProblem(e, { file, key: 'api.tls.key_path', line: 4, says: [`${join(dir, 'certs/server.key')} does not exist`] });

  e = fails('[api.tls]\nenabled = true\ncert_path = "certs"\nkey_path = "certs/server.crt"\n', file);
  assertOneProblem(e, { file, key: 'api.tls.cert_path', line: 3, says: ['is not a regular file'] });

  // Files that are there but hold no certificate / no key / a key of another certificate.
  writeFiles(dir, { 'certs/server.key': 'KEY' });
  e = fails('[api.tls]\nenabled = true\ncert_path = "certs/server.crt"\nkey_path = "certs/server.key"\n', file);
  assertOneProblem(e, { file, key: 'api.tls.cert_path', line: 3, says: ['expected a PEM certificate', 'does not hold one'] });
  const real = makeSelfSignedCert(join(dir, 'certs'));
  e = fails(`[api.tls]\nenabled = true\ncert_path = "${real.certPath}"\nkey_path = "certs/server.crt"\n`, file);
  assertOneProblem(e, { file, key: 'api.tls.key_path', line: 4, says: ['expected a PEM private key'] });
  const other = makeSelfSignedCert(tempDir(t));
  e = fails(`[api.tls]\nenabled = true\ncert_path = "${real.certPath}"\nkey_path = "${other.keyPath}"\n`, file);
  assertOneProblem(e, { file, key: 'api.tls.key_path', line: 4, says: ['does not match'] });
  const tls = load('[api.tls]\nenabled = true\ncert_path = "certs/server.crt"\nkey_path = "certs/server.key"\n', file).config.api.tls;
  assert.deepEqual({ ...tls }, { enabled: true, cert_path: join(dir, 'certs/server.crt'), key_path: join(dir, 'certs/server.key') });
  // Disabled TLS does not look at the files.
  assert.equal(load('[api.tls]\ncert_path = "nope.crt"\n', file).config.api.tls.cert_path, join(dir, 'nope.crt'));
});

test('init_sql: a missing file is an error; an existing one resolves absolute', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'conf', 'heliosdb.toml');
  const e = fails('[schema]\ninit_sql = "../init.sql"\n', file);
  assertOneProblem(e, { file, key: 'schema.init_sql', line: 2, says: ['SQL file', `${join(dir, 'init.sql')} does not exist`] });
  writeFiles(dir, { 'init.sql': 'CREATE TABLE t(a);' });
  assert.equal(load('[schema]\ninit_sql = "../init.sql"\n', file).config.schema.init_sql, join(dir, 'init.sql'));
  assert.equal(load('[schema]\ninit_sql = ""\n', file).config.schema.init_sql, '');
});

test('[[api.methods]]: PascalCase names, required non-empty fields, unique per table', () => {
  const text = [
    '[[api.methods]]', //                                  1
    'table = "orders"',
    'name = "updateOrderStatus"', //                       3
    'sql = "UPDATE orders SET status = :s WHERE id = :id"',
    '',
    '[[api.methods]]', //                                  6
    'table = "orders"',
    'name = "Cancel"',
    '',
    '[[api.methods]]', //                                  10
    'table = ""', //                                       11
    'name = "Cancel"',
    'sql = "DELETE FROM orders"',
    '',
    '[[api.methods]]', //                                  15
    'table = "orders"',
    'name = "Archive"',
    'sql = "UPDATE orders SET archived = 1"',
    '',
    '[[api.methods]]', //                                  20
    'table = "orders"',
    'name = "Archive"', //                                 22
    'sql = "UPDATE orders SET archived = 2"',
    'extra = 1', //                                        24
    '',
  ].join('\n');
  const e = fails(text);
  assert.equal(e.problems.length, 5, e.message);
  assertProblem(e, 0, { file: FILE, key: 'api.methods[0].name', line: 3, says: ['PascalCase', '"updateOrderStatus"'] });
  assertProblem(e, 1, { file: FILE, key: 'api.methods[1].sql', line: 6, says: ['missing', 'non-empty SQL statement'] });
  assertProblem(e, 2, { file: FILE, key: 'api.methods[2].table', line: 11, says: ['non-empty table name', 'got ""'] });
  assertProblem(e, 3, { file: FILE, key: 'api.methods[4].name', line: 22, says: ['duplicate method "Archive" on table "orders"', 'api.methods[3]'] });
  assertProblem(e, 4, { file: FILE, key: 'api.methods[4].extra', line: 24, says: ['unknown key', '[[api.methods]] accepts table, name, sql'] });
});

test('methods as an inline array of tables are located just as well', () => {
  const e = fails('[api]\nmethods = [\n  { table = "t", name = "Ok", sql = "SELECT 1" },\n  { table = "t", name = "bad name", sql = "SELECT 2" },\n]\n');
  assertOneProblem(e, { file: FILE, key: 'api.methods[1].name', line: 4, says: ['PascalCase'] });
  const ok = load('[[api.methods]]\ntable = "orders"\nname = "UpdateOrderStatus"\nsql = "UPDATE orders SET status = :status WHERE id = :id RETURNING *"\n');
  assert.deepEqual(ok.config.api.methods.map((m) => ({ ...m })), [
    { table: 'orders', name: 'UpdateOrderStatus', sql: 'UPDATE orders SET status = :status WHERE id = :id RETURNING *' },
  ]);
  assertOneProblem(fails('[api]\nmethods = 3\n'), { file: FILE, key: 'api.methods', line: 2, says: ['array of tables'] });
});

test('[schema.shard_keys]: table name → column name strings', () => {
  const e = fails('[schema.shard_keys]\norders = "customer_id"\n"line.items" = 3\nusers = ""\n');
  assert.equal(e.problems.length, 2, e.message);
  assertProblem(e, 0, { file: FILE, key: 'schema.shard_keys."line.items"', line: 3, says: ['column name', '3 (an integer)'] });
  assertProblem(e, 1, { file: FILE, key: 'schema.shard_keys.users', line: 4, says: ['column name', '"" (a string)'] });
  const keys = load('[schema]\nshard_keys = { orders = "customer_id", constructor = "x" }\n').config.schema.shard_keys;
  assert.equal(keys['orders'], 'customer_id');
  assert.equal(keys['constructor'], 'x');
  assert.equal(Object.getPrototypeOf(keys), null);
  assert.equal(load('').config.schema.shard_keys['toString'], undefined, 'no inherited keys');
});

test('two services on one port are rejected; 0 may repeat; a disabled metrics port may collide', () => {
  assertOneProblem(fails('[api]\nrest_port = 9000\ngrpc_port = 9000\n'), {
    file: FILE,
    key: 'api.grpc_port',
    line: 3,
    says: ['port 9000 is already api.rest_port'],
  });
  assertOneProblem(fails('[observability]\nmetrics_port = 8080\n'), { file: FILE, key: 'observability.metrics_port', line: 2, says: ['api.rest_port'] });
  load('[api]\nrest_port = 0\ngrpc_port = 0\n[observability]\nmetrics_port = 0\n');
  load('[observability]\nmetrics_enabled = false\nmetrics_port = 8080\n');
});

test('every problem of a load is reported at once, one line each, in file order', () => {
  const text = '[database]\nwal_mode = "x"\n\n[api]\nrest_port = "8080"\nnope = 1\n\n[bogus]\n';
  const e = configError(() => parseConfigText(text, FILE, { HELIOSDB_GRPC_PORT: 'abc' }));
  assert.equal(e.problems.length, 5, e.message);
  assert.equal(e.message.split('\n').length, 5);
  assertProblem(e, 0, { file: FILE, key: 'database.wal_mode', line: 2, says: ['"sync", "async"'] });
  assertProblem(e, 1, { file: FILE, key: 'api.rest_port', line: 5, says: ['"8080" (a string)'] });
  assertProblem(e, 2, { file: FILE, key: 'api.nope', line: 6, says: ['unknown key'] });
  assertProblem(e, 3, { file: FILE, key: 'bogus', line: 8, says: ['unknown section'] });
  assertProblem(e, 4, { key: 'api.grpc_port', variable: 'HELIOSDB_GRPC_PORT', says: ['got "abc"'] });
});

test('a rejected value does not cause follow-on noise', () => {
  // cert_path is wrong; "required when tls is enabled" about its stand-in default would be noise.
  const e = fails('[api.tls]\nenabled = true\ncert_path = 5\nkey_path = 6\n');
  assert.equal(e.problems.length, 2, e.message);
  // rest_port rejected; its stand-in default 8080 must not "conflict" with metrics_port = 8080.
  const e2 = fails('[api]\nrest_port = 1.5\n[observability]\nmetrics_port = 8080\n');
  assertOneProblem(e2, { file: FILE, key: 'api.rest_port', line: 2, says: ['1.5 (a float)'] });
});

test('config files that cannot be read', (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'missing.toml');
  let e = configError(() => loadConfig({ file: missing, env: {} }));
  assertOneProblem(e, { file: missing, says: ['does not exist', 'expected a readable TOML file'] });
  e = configError(() => loadConfig({ file: dir, env: {} }));
  assertOneProblem(e, { file: dir, says: ['is a directory'] });
  e = configError(() => loadConfig({ env: { HELIOSDB_CONFIG: missing } }));
  assertOneProblem(e, { file: missing, variable: 'HELIOSDB_CONFIG', says: ['does not exist'] });
});

test('the TOML file may start with a UTF-8 BOM', () => {
  assert.equal(load('\uFEFF[api]\nrest_port = 1234\n').config.api.rest_port, 1234);
});
