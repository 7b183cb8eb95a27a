/**
 * Environment overrides win over the file, are validated by the same rules, and a bad value is
 * reported under the variable's name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { ENV_OVERRIDES, loadConfig, parseConfigText } from '../../src/config/index.js';
import { assertOneProblem, configError, tempDir, writeFiles } from './helpers.js';

const FILE = '/srv/helios/heliosdb.toml';
const TEXT = `[database]
path = "db"
wal_mode = "async"

[api]
rest_port = 8000
grpc_port = 8001

[performance]
worker_threads = 3

[observability]
metrics_port = 8002
log_level = "warn"
`;

test('every override wins over the file', () => {
  const { config } = parseConfigText(TEXT, FILE, {
    HELIOSDB_PATH: '/var/lib/helios',
    HELIOSDB_REST_PORT: '0',
    HELIOSDB_GRPC_PORT: '9001',
    HELIOSDB_METRICS_PORT: '9002',
    HELIOSDB_WORKER_THREADS: '7',
    HELIOSDB_WAL_MODE: 'sync',
    HELIOSDB_LOG_LEVEL: 'debug',
  });
  assert.equal(config.database.path, '/var/lib/helios');
  assert.equal(config.api.rest_port, 0);
  assert.equal(config.api.grpc_port, 9001);
  assert.equal(config.observability.metrics_port, 9002);
  assert.equal(config.performance.worker_threads, 7);
  assert.equal(config.database.wal_mode, 'sync');
  assert.equal(config.observability.log_level, 'debug');
});

test('without overrides the file stands; empty variables count as unset', () => {
  const empty = Object.fromEntries(ENV_OVERRIDES.map((o) => [o.variable, '']));
  const { config } = parseConfigText(TEXT, FILE, empty);
  assert.equal(config.database.path, '/srv/helios/db');
  assert.equal(config.api.rest_port, 8000);
  assert.equal(config.api.grpc_port, 8001);
  assert.equal(config.observability.metrics_port, 8002);
  assert.equal(config.performance.worker_threads, 3);
  assert.equal(config.database.wal_mode, 'async');
  assert.equal(config.observability.log_level, 'warn');
});

test('a relative HELIOSDB_PATH is relative to the working directory, not the file', () => {
  const { config } = parseConfigText(TEXT, FILE, { HELIOSDB_PATH: 'here/data' });
  assert.equal(config.database.path, resolve(process.cwd(), 'here/data'));
});

test('bad values are rejected naming the variable, the key and the expectation', () => {
  const cases: [string, string, string, string[]][] = [
    ['HELIOSDB_REST_PORT', 'abc', 'api.rest_port', ['integer port 0..65535', 'got "abc"']],
    ['HELIOSDB_REST_PORT', '8080.0', 'api.rest_port', ['got "8080.0"']],
    ['HELIOSDB_GRPC_PORT', '65536', 'api.grpc_port', ['got 65536']],
    ['HELIOSDB_GRPC_PORT', ' 50051', 'api.grpc_port', ['got " 50051"']],
    ['HELIOSDB_METRICS_PORT', '-1', 'observability.metrics_port', ['got "-1"']],
    ['HELIOSDB_WORKER_THREADS', '0', 'performance.worker_threads', ['integer 1..256', 'got 0']],
    ['HELIOSDB_WORKER_THREADS', '0x10', 'performance.worker_threads', ['got "0x10"']],
    ['HELIOSDB_WAL_MODE', 'fsync', 'database.wal_mode', ['one of "sync", "async"', 'got "fsync"']],
    ['HELIOSDB_LOG_LEVEL', 'verbose', 'observability.log_level', ['one of "trace"', 'got "verbose"']],
    ['HELIOSDB_PATH', '   ', 'database.path', ['non-empty file path']],
  ];
  for (const [variable, value, key, says] of cases) {
    const e = configError(() => parseConfigText(TEXT, FILE, { [variable]: value }));
    const p = assertOneProblem(e, { key, variable, says });
    assert.equal(p.file, undefined);
    assert.ok(e.message.startsWith(`environment ${variable} (${key}): expected`), e.message);
  }
});

test('a cross-key problem caused by an override is blamed on the variable', () => {
  const e = configError(() => parseConfigText(TEXT, FILE, { HELIOSDB_GRPC_PORT: '8000' }));
  assertOneProblem(e, { key: 'api.grpc_port', variable: 'HELIOSDB_GRPC_PORT', says: ['port 8000 is already api.rest_port'] });
});

test('overrides apply to the embedded default too, and are validated there', () => {
  const loaded = loadConfig({ env: { HELIOSDB_REST_PORT: '18080', HELIOSDB_PATH: '/tmp/h' } });
  assert.equal(loaded.source, '<embedded default>');
  assert.equal(loaded.config.api.rest_port, 18080);
  assert.equal(loaded.config.database.path, '/tmp/h');
  const e = configError(() => loadConfig({ env: { HELIOSDB_LOG_LEVEL: 'loud' } }));
  assertOneProblem(e, { key: 'observability.log_level', variable: 'HELIOSDB_LOG_LEVEL', says: ['got "loud"'] });
});

test('HELIOSDB_CONFIG names the file when there is no --config; --config wins', (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'a.toml': '[api]\nrest_port = 1111\n', 'b.toml': '[api]\nrest_port = 2222\n' });
  const a = join(dir, 'a.toml');
  const b = join(dir, 'b.toml');
  let loaded = loadConfig({ env: { HELIOSDB_CONFIG: a } });
  assert.equal(loaded.source, a);
  assert.equal(loaded.config.api.rest_port, 1111);
  loaded = loadConfig({ file: b, env: { HELIOSDB_CONFIG: a } });
  assert.equal(loaded.source, b);
  assert.equal(loaded.config.api.rest_port, 2222);
  loaded = loadConfig({ env: { HELIOSDB_CONFIG: '' } });
  assert.equal(loaded.source, '<embedded default>');
});
