/**
 * The database without its listeners: the coordinator (and so the shard workers), the generated
 * APIs' schema service, and the metrics registry, built from a validated {@link HeliosConfig}.
 * Both ways of running HeliosDB-Lite start here — the server (`src/server.ts`, which opens its
 * ports at once and reports readiness later) and the embedded library (`Database.open`, which
 * waits for `ready` before handing the database out) — so there is one start-up path.
 *
 * `ready` resolves once every shard has recovered, `[schema] init_sql` has run and the generated
 * APIs have read the catalog; it rejects if any of that fails (the caller must then `stop()`).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import type { HeliosConfig } from '../config/index.js';
import { Coordinator, type CoordinatorOptions } from '../coordinator/index.js';
import { runInitSql } from '../coordinator/init-sql.js';
import type { Logger } from '../log.js';
import { createMetrics, type Metrics } from '../net/metrics.js';
import { GrpcServer } from '../net/grpc-server.js';
import { SchemaService } from '../net/schema-service.js';
import { ConnectionGate } from '../net/connection-gate.js';
import { lockDataDir, shardPoolBytes } from '../storage/index.js';

export interface Core {
  readonly config: HeliosConfig;
  readonly log: Logger;
  readonly coordinator: Coordinator;
  readonly schema: SchemaService;
  readonly metrics: Metrics;
  /** `max_connections`, one count for every listener this core serves. */
  readonly gate: ConnectionGate;
  readonly ready: Promise<void>;
  /** Stops taking work, then stops the shards (each makes its WAL durable). Idempotent. */
  stop(): Promise<void>;
}

export interface CoreOptions {
  /** A shard cannot be kept alive. The server exits non-zero; the library reports it. */
  onFatal: (reason: string) => void;
  /**
   * @internal Builds the coordinator from the options the configuration gives (default: `new
   * Coordinator(o)`). For benchmarks that run the real REST/gRPC servers over a stand-in
   * coordinator (bench/api: a constant-answer ceiling, a re-encoding variant); not a product knob.
   */
  makeCoordinator?: (o: CoordinatorOptions) => Coordinator;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function openCore(config: HeliosConfig, log: Logger, o: CoreOptions): Core {
  mkdirSync(config.database.path, { recursive: true });
  // One process owns the data dir: a second server or Database.open on it would corrupt it.
  const lock = lockDataDir(config.database.path);
  try {
    return openLocked(config, log, o, () => lock.release());
  } catch (e) {
    lock.release();
    throw e;
  }
}

function openLocked(config: HeliosConfig, log: Logger, o: CoreOptions, unlock: () => void): Core {
  const coordinatorOptions: CoordinatorOptions = {
    shards: config.performance.worker_threads,
    partitions: config.storage.partitions,
    storage: {
      dataDir: config.database.path,
      walMode: config.database.wal_mode,
      cacheBytes: shardPoolBytes(config.database.cache_size_mb, config.performance.worker_threads),
      pageSize: config.storage.page_size_kb * 1024,
      asyncSyncIntervalMs: config.storage.async_sync_interval_ms,
      checkpointWalBytes: config.storage.checkpoint_wal_mb * 1024 * 1024,
      logLevel: config.observability.log_level,
      simd: config.performance.simd_acceleration,
    },
    log: log.child({ component: 'coordinator' }),
    onFatal: o.onFatal,
    shardKeys: config.schema.shard_keys,
    transactions: { defaultTimeoutMs: config.transactions.default_timeout_ms, maxConcurrent: config.transactions.max_concurrent },
  };
  const coordinator = o.makeCoordinator ? o.makeCoordinator(coordinatorOptions) : new Coordinator(coordinatorOptions);
  const metrics = createMetrics(coordinator);
  const schema = new SchemaService(
    coordinator,
    {
      rest: config.schema.auto_generate_rest,
      grpc: config.schema.auto_generate_grpc,
      methods: config.api.methods,
      shardKeys: config.schema.shard_keys,
      version: packageVersion(),
      staticProtos: GrpcServer.staticProtos(),
      onGrpcCall: (route, status, seconds) => metrics.record('grpc', route, status, seconds),
    },
    log.child({ component: 'schema-api' }),
  );
  coordinator.onPossibleDdl(() => schema.refresh());

  const ready = coordinator
    .start()
    .then(() => runInitSql(coordinator, config.schema.init_sql, log.child({ component: 'init-sql' })))
    .then(() => schema.refresh())
    .then(() => coordinator.markInitialized());
  ready.catch(() => undefined); // the caller observes it; never an unhandled rejection

  const gate = new ConnectionGate(config.database.max_connections);
  connectionMetrics(metrics, gate);

  let stopping: Promise<void> | undefined;
  return {
    config,
    log,
    coordinator,
    schema,
    metrics,
    gate,
    ready,
    stop: () => (stopping ??= coordinator.stop().finally(unlock)),
  };
}

/** `max_connections` on /metrics: open client connections now, and refusals since start. */
function connectionMetrics(metrics: Metrics, gate: ConnectionGate): void {
  new Gauge({
    name: 'heliosdb_open_connections',
    help: 'Open REST and gRPC client connections (max_connections counts these).',
    registers: [metrics.registry],
    collect() {
      this.set(gate.count);
    },
  });
  new Counter({
    name: 'heliosdb_connections_refused_total',
    help: 'Connections refused because max_connections were open.',
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(gate.refusedTotal);
    },
  });
}
