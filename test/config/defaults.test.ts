/**
 * Defaults are complete and match the documented values; the shipped config/heliosdb.toml parses
 * to the defaults and documents every key; the result is frozen; [edge]/[retention] warn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_SCHEMA,
  defaultConfig,
  detectCpuLimit,
  loadConfig,
  parseConfigText,
  type HeliosConfig,
  type Spec,
} from '../../src/config/index.js';

/** The repository root, from dist/test/config/ (compiled) — three levels up. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SHIPPED = join(ROOT, 'config', 'heliosdb.toml');

/** Every key path of the schema, dotted (`api.tls.enabled`). */
function schemaKeys(spec: Spec, prefix: string[] = []): string[][] {
  if (spec.kind !== 'table') return [prefix];
  return Object.entries(spec.fields).flatMap(([k, child]) => schemaKeys(child, [...prefix, k]));
}

/** Plain-object copy (shard_keys has a null prototype) for deepEqual. */
const plain = (c: HeliosConfig): unknown => JSON.parse(JSON.stringify(c));

test('the embedded default has every key, with the documented values', () => {
  const c = defaultConfig();
  assert.deepEqual(plain(c), {
    database: { path: resolve(process.cwd(), 'data'), wal_mode: 'sync', cache_size_mb: 256, max_connections: 1000 },
    api: {
      bind_address: '127.0.0.1',
      grpc_port: 50051,
      rest_port: 8080,
      enable_cors: false,
      max_request_size_mb: 10,
      tls: { enabled: false, cert_path: '', key_path: '' },
      methods: [],
    },
    performance: { worker_threads: detectCpuLimit(), use_io_uring: false, simd_acceleration: 'auto' },
    observability: { metrics_enabled: true, metrics_port: 9090, tracing_enabled: false, tracing_endpoint: '', log_level: 'info' },
    schema: { auto_generate_grpc: true, auto_generate_rest: true, init_sql: '', shard_keys: {} },
    storage: { partitions: 16, page_size_kb: 32, checkpoint_wal_mb: 64, async_sync_interval_ms: 10 },
    transactions: { default_timeout_ms: 30000, max_concurrent: 1024 },
    edge: { enabled: false, sync_endpoint: '', sync_interval_secs: 60 },
    retention: { enabled: false, max_age_days: 0, check_interval_secs: 3600 },
  });
  // Every schema key is present and no value is undefined.
  for (const path of schemaKeys(CONFIG_SCHEMA)) {
    let v: unknown = c;
    for (const k of path) v = (v as Record<string, unknown>)[k];
    assert.notEqual(v, undefined, path.join('.'));
  }
});

test('loadConfig without a file is the embedded default', () => {
  const loaded = loadConfig({ env: {} });
  assert.equal(loaded.source, '<embedded default>');
  assert.deepEqual(loaded.warnings, []);
  assert.deepEqual(plain(loaded.config), plain(defaultConfig()));
});

test('the shipped config/heliosdb.toml parses and equals the defaults', () => {
  const loaded = loadConfig({ file: SHIPPED, env: {} });
  assert.equal(loaded.source, SHIPPED);
  assert.deepEqual(loaded.warnings, []);
  const expected = plain(defaultConfig()) as { database: { path: string } };
  // The one intended difference: a relative path in a file is relative to the file.
  expected.database.path = join(ROOT, 'config', 'data');
  assert.deepEqual(plain(loaded.config), expected);
});

test('the shipped file mentions every key of the schema', () => {
  const text = readFileSync(SHIPPED, 'utf8');
  for (const path of schemaKeys(CONFIG_SCHEMA)) {
    const key = path[path.length - 1]!;
    const section = path.slice(0, -1).join('.');
    assert.ok(text.includes(`[${section}]`) || text.includes(`[[${path.join('.')}]]`), `section of ${path.join('.')}`);
    assert.match(text, new RegExp(`^(# )?\\[*${key === 'methods' ? 'api\\.methods' : key === 'shard_keys' ? 'schema\\.shard_keys' : key}\\b`, 'm'), path.join('.'));
  }
});

test('worker_threads defaults to the detected CPU limit of the given cgroup root', (t) => {
  const dir = join(ROOT, 'dist', 'tmp-no-such-cgroup');
  t.diagnostic(`cpu limit here: ${detectCpuLimit()}`);
  assert.equal(parseConfigText('', join(dir, 'x.toml'), {}, dir).config.performance.worker_threads, detectCpuLimit(dir));
  assert.equal(parseConfigText('[performance]\nworker_threads = 5\n', 'x.toml', {}).config.performance.worker_threads, 5);
});

test('the config is deeply frozen', () => {
  const c = parseConfigText('[[api.methods]]\ntable = "t"\nname = "M"\nsql = "SELECT 1"\n[schema.shard_keys]\nt = "a"\n', 'x.toml', {}).config;
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.api.tls));
  assert.ok(Object.isFrozen(c.api.methods));
  assert.ok(Object.isFrozen(c.api.methods[0]));
  assert.ok(Object.isFrozen(c.schema.shard_keys));
  assert.throws(() => {
    (c.api as { rest_port: number }).rest_port = 1;
  }, TypeError);
});

test('[edge] and [retention]: known keys type-checked, unknown keys are warnings with file and line', () => {
  const text = '[edge]\nenabled = true\nsync_endpoint = "https://hub.example/sync"\nconflict_policy = "lww"\n\n[retention]\nmax_age_days = 30\narchive_to = "s3://x"\n';
  const loaded = parseConfigText(text, '/etc/h.toml', {});
  assert.equal(loaded.config.edge.enabled, true);
  assert.equal(loaded.config.edge.sync_endpoint, 'https://hub.example/sync');
  assert.equal(loaded.config.retention.max_age_days, 30);
  assert.equal(loaded.warnings.length, 2);
  assert.match(loaded.warnings[0]!, /^\/etc\/h\.toml:4: edge\.conflict_policy: unknown key in \[edge\].*ignored/);
  assert.match(loaded.warnings[1]!, /^\/etc\/h\.toml:8: retention\.archive_to: unknown key in \[retention\].*ignored/);
  assert.equal('conflict_policy' in loaded.config.edge, false);
  // A known key with a wrong type is still an error.
  assert.throws(() => parseConfigText('[edge]\nsync_interval_secs = "1m"\n', '/etc/h.toml', {}), /\/etc\/h\.toml:2: edge\.sync_interval_secs: expected an integer 1\.\.86400/);
  assert.throws(() => parseConfigText('[retention]\nmax_age_days = -1\n', '/etc/h.toml', {}), /retention\.max_age_days/);
});

test('use_io_uring = true is accepted with a warning that it does nothing on Node.js', () => {
  const loaded = parseConfigText('[performance]\nuse_io_uring = true\n', '/etc/h.toml', {});
  assert.equal(loaded.config.performance.use_io_uring, true);
  assert.deepEqual(loaded.warnings.length, 1);
  assert.match(loaded.warnings[0]!, /^\/etc\/h\.toml:2: performance\.use_io_uring: has no effect/);
});

test('paths: from the file relative to its directory, absolute ones kept', () => {
  const c = parseConfigText('[database]\npath = "../var/db"\n', '/etc/helios/h.toml', {}).config;
  assert.equal(c.database.path, '/etc/var/db');
  assert.equal(parseConfigText('[database]\npath = "/data/x/"\n', '/etc/helios/h.toml', {}).config.database.path, '/data/x');
  // A relative config file name is made absolute against the working directory.
  const loaded = parseConfigText('', 'conf/h.toml', {});
  assert.equal(loaded.source, resolve('conf/h.toml'));
});
