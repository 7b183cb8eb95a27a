/**
 * The shape of the configuration: the TypeScript types every other layer reads, and one
 * declarative table ({@link CONFIG_SCHEMA}) that names every section and key with its type,
 * bounds and default. Validation, environment overrides, defaults and the docs test all walk this
 * one table, so a key added here is parsed, checked, defaulted and required in the shipped
 * `config/heliosdb.toml` without touching anything else.
 *
 * Property names are the TOML keys verbatim (snake_case), so `config.api.rest_port` is what the
 * user wrote as `[api] rest_port`: no mapping table to drift.
 */

import { isIP } from 'node:net';

export type WalMode = 'sync' | 'async';
export type SimdAcceleration = 'auto' | 'avx2' | 'avx512' | 'neon' | 'wasm' | 'none';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface DatabaseConfig {
  /** The data directory, absolute. */
  readonly path: string;
  readonly wal_mode: WalMode;
  readonly cache_size_mb: number;
  readonly max_connections: number;
}

export interface TlsConfig {
  readonly enabled: boolean;
  /** Absolute path of the PEM certificate chain; "" when TLS is off and none was given. */
  readonly cert_path: string;
  /** Absolute path of the PEM private key; "" when TLS is off and none was given. */
  readonly key_path: string;
}

/** A custom method declared with `[[api.methods]]`: a named SQL statement on a table. */
export interface ApiMethod {
  readonly table: string;
  /** PascalCase: the gRPC rpc name; REST uses it camelCased after a colon. */
  readonly name: string;
  readonly sql: string;
}

export interface ApiConfig {
  readonly bind_address: string;
  readonly grpc_port: number;
  readonly rest_port: number;
  readonly enable_cors: boolean;
  readonly max_request_size_mb: number;
  readonly tls: TlsConfig;
  readonly methods: readonly ApiMethod[];
}

export interface PerformanceConfig {
  readonly worker_threads: number;
  /** Accepted for compatibility with the product brief; has no effect on Node.js. */
  readonly use_io_uring: boolean;
  readonly simd_acceleration: SimdAcceleration;
}

export interface ObservabilityConfig {
  readonly metrics_enabled: boolean;
  readonly metrics_port: number;
  readonly tracing_enabled: boolean;
  readonly tracing_endpoint: string;
  readonly log_level: LogLevel;
}

export interface SchemaConfig {
  readonly auto_generate_grpc: boolean;
  readonly auto_generate_rest: boolean;
  /** Absolute path of a SQL file run at start-up, or "" for none. */
  readonly init_sql: string;
  /** Table name → shard-key column. A null-prototype object: `shard_keys['constructor']` is undefined. */
  readonly shard_keys: Readonly<Record<string, string>>;
}

export interface StorageConfig {
  readonly partitions: number;
  /** Page size of a new database, KiB (a power of two 4..64); an existing one keeps its own. */
  readonly page_size_kb: number;
  readonly checkpoint_wal_mb: number;
  readonly async_sync_interval_ms: number;
}

export interface TransactionsConfig {
  readonly default_timeout_ms: number;
  readonly max_concurrent: number;
}

export interface EdgeConfig {
  readonly enabled: boolean;
  readonly sync_endpoint: string;
  readonly sync_interval_secs: number;
}

export interface RetentionConfig {
  readonly enabled: boolean;
  readonly max_age_days: number;
  readonly check_interval_secs: number;
}

/** The whole configuration: fully defaulted, validated, paths absolute, deeply frozen. */
export interface HeliosConfig {
  readonly database: DatabaseConfig;
  readonly api: ApiConfig;
  readonly performance: PerformanceConfig;
  readonly observability: ObservabilityConfig;
  readonly schema: SchemaConfig;
  readonly storage: StorageConfig;
  readonly transactions: TransactionsConfig;
  readonly edge: EdgeConfig;
  readonly retention: RetentionConfig;
}

// ---------------------------------------------------------------------------------------------
// The schema table

/** Checks a string beyond its type; returns what was expected when the value is wrong. */
export type StringCheck = (value: string) => string | undefined;

export type LeafSpec =
  | { readonly kind: 'bool'; readonly default: boolean }
  | { readonly kind: 'port'; readonly default: number }
  | {
      readonly kind: 'int';
      readonly min: number;
      readonly max: number;
      readonly unit: string;
      /** A number, or 'cpu-limit': computed by `detectCpuLimit` only when the key is absent. */
      readonly default: number | 'cpu-limit';
      /** Only powers of two are accepted (sizes such as `page_size_kb`). */
      readonly powerOfTwo?: true;
    }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly default: string }
  | {
      readonly kind: 'string';
      readonly default: string;
      readonly allowEmpty: boolean;
      readonly check?: StringCheck;
      /** How the value is described in "expected …" messages. */
      readonly what: string;
    }
  | {
      /** A file-system path: resolved against the config file's directory (env/default: cwd). */
      readonly kind: 'path';
      readonly default: string;
      readonly allowEmpty: boolean;
    };

export interface TableSpec {
  readonly kind: 'table';
  readonly fields: Readonly<Record<string, Spec>>;
  /**
   * Unknown keys are warnings instead of errors. Only for `[edge]` and `[retention]`, whose full
   * key set belongs to a product brief this build does not have (see docs/config.md).
   */
  readonly lenient?: boolean;
}

/** An array of tables (`[[api.methods]]`): every element checked against `item`. */
export interface TableArraySpec {
  readonly kind: 'table-array';
  readonly item: TableSpec;
  /** Required keys of each element (all of `item`'s keys when absent). */
  readonly required: readonly string[];
}

/** A table whose keys are user-chosen (table names) and whose values are all strings. */
export interface StringMapSpec {
  readonly kind: 'string-map';
  readonly what: string;
}

export type Spec = LeafSpec | TableSpec | TableArraySpec | StringMapSpec;

const PORT = (d: number): LeafSpec => ({ kind: 'port', default: d });
const BOOL = (d: boolean): LeafSpec => ({ kind: 'bool', default: d });
const INT = (d: number | 'cpu-limit', min: number, max: number, unit: string): LeafSpec => ({
  kind: 'int',
  default: d,
  min,
  max,
  unit,
});
const POW2 = (d: number, min: number, max: number, unit: string): LeafSpec => ({ kind: 'int', default: d, min, max, unit, powerOfTwo: true });
const ENUM = (values: readonly string[], d: string): LeafSpec => ({ kind: 'enum', values, default: d });

/** Highest `worker_threads` accepted; a detected CPU limit above it is clamped to it. */
export const MAX_WORKER_THREADS = 256;

const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const checkBindAddress: StringCheck = (v) => {
  if (isIP(v) !== 0) return undefined;
  // Something shaped like an address that isIP rejected ("10.0.0.256", "::g") is a typo, not a host.
  if (/^[0-9.]+$/.test(v) || v.includes(':')) return 'an IP address or a host name';
  return v.length <= 253 && v.split('.').every((l) => HOST_LABEL.test(l))
    ? undefined
    : 'an IP address or a host name';
};

const checkHttpUrl: StringCheck = (v) => {
  if (v === '') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'an http:// or https:// URL, or ""';
  } catch {
    return 'an http:// or https:// URL, or ""';
  }
};

const OPTIONAL_URL: LeafSpec = {
  kind: 'string',
  default: '',
  allowEmpty: true,
  what: 'an http:// or https:// URL, or ""',
  check: checkHttpUrl,
};

/** PascalCase: an upper-case letter, then letters and digits. */
export const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;

const nonEmpty = (what: string, check?: StringCheck): LeafSpec =>
  check === undefined
    ? { kind: 'string', default: '', allowEmpty: false, what }
    : { kind: 'string', default: '', allowEmpty: false, what, check };

const table = (fields: Record<string, Spec>, lenient = false): TableSpec =>
  lenient ? { kind: 'table', fields, lenient } : { kind: 'table', fields };

/**
 * Every section and key, in the order of the shipped config file. Bounds are sanity limits: they
 * catch a unit mistake (cache_size_mb = 268435456 meant as bytes) rather than tune anything.
 */
export const CONFIG_SCHEMA: TableSpec = table({
  database: table({
    path: { kind: 'path', default: './data', allowEmpty: false },
    wal_mode: ENUM(['sync', 'async'], 'sync'),
    cache_size_mb: INT(256, 1, 262_144, 'MiB'),
    max_connections: INT(1000, 1, 1_000_000, 'connections'),
  }),
  api: table({
    bind_address: {
      kind: 'string',
      default: '127.0.0.1',
      allowEmpty: false,
      what: 'an IP address or a host name',
      check: checkBindAddress,
    },
    grpc_port: PORT(50051),
    rest_port: PORT(8080),
    enable_cors: BOOL(false),
    max_request_size_mb: INT(10, 1, 1024, 'MiB'),
    tls: table({
      enabled: BOOL(false),
      cert_path: { kind: 'path', default: '', allowEmpty: true },
      key_path: { kind: 'path', default: '', allowEmpty: true },
    }),
    methods: {
      kind: 'table-array',
      item: table({
        table: nonEmpty('a non-empty table name'),
        name: nonEmpty('a PascalCase method name such as "UpdateOrderStatus"', (v) =>
          PASCAL_CASE.test(v) ? undefined : 'a PascalCase method name such as "UpdateOrderStatus"',
        ),
        sql: nonEmpty('a non-empty SQL statement'),
      }),
      required: ['table', 'name', 'sql'],
    },
  }),
  performance: table({
    worker_threads: INT('cpu-limit', 1, MAX_WORKER_THREADS, 'threads'),
    use_io_uring: BOOL(false),
    simd_acceleration: ENUM(['auto', 'avx2', 'avx512', 'neon', 'wasm', 'none'], 'auto'),
  }),
  observability: table({
    metrics_enabled: BOOL(true),
    metrics_port: PORT(9090),
    tracing_enabled: BOOL(false),
    tracing_endpoint: OPTIONAL_URL,
    log_level: ENUM(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], 'info'),
  }),
  schema: table({
    auto_generate_grpc: BOOL(true),
    auto_generate_rest: BOOL(true),
    init_sql: { kind: 'path', default: '', allowEmpty: true },
    shard_keys: { kind: 'string-map', what: 'a column name' },
  }),
  storage: table({
    partitions: INT(16, 1, 4096, 'partitions'),
    page_size_kb: POW2(32, 4, 64, 'KiB'),
    checkpoint_wal_mb: INT(64, 1, 65_536, 'MiB'),
    async_sync_interval_ms: INT(10, 1, 10_000, 'ms'),
  }),
  transactions: table({
    default_timeout_ms: INT(30_000, 1, 3_600_000, 'ms'),
    max_concurrent: INT(1024, 1, 1_000_000, 'transactions'),
  }),
  edge: table(
    {
      enabled: BOOL(false),
      sync_endpoint: OPTIONAL_URL,
      sync_interval_secs: INT(60, 1, 86_400, 's'),
    },
    true,
  ),
  retention: table(
    {
      enabled: BOOL(false),
      max_age_days: INT(0, 0, 36_500, 'days (0 = keep forever)'),
      check_interval_secs: INT(3600, 1, 604_800, 's'),
    },
    true,
  ),
});
