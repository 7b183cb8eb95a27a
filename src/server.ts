/**
 * Bootstrap: composes the layers into a running server — configuration → coordinator (shards) →
 * REST, gRPC and metrics servers — and owns the orderly shutdown. The CLI (`src/cli.ts`) and
 * library users (`src/index.ts`) start servers through {@link startServer}.
 *
 * Start-up order: the data directory is created, the shards are spawned (each recovers its
 * partitions), and the ports open at once (GET /health answers, GET /ready says 503 until every
 * shard is Ready). If any port cannot be bound, the ports already opened are closed, the shards
 * stopped, and the error is thrown: no port is left half-open.
 *
 * Shutdown: stop taking new work (/ready → 503, new requests UNAVAILABLE), let the servers finish
 * what is in flight, then stop the shards (each makes its WAL durable and exits).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { HeliosConfig } from './config/index.js';
import { Coordinator } from './coordinator/index.js';
import type { Logger } from './log.js';
import { shardPoolBytes } from './storage/index.js';
import { createMetrics, startMetricsServer } from './net/metrics.js';
import { GrpcServer } from './net/grpc-server.js';
import { RestServer } from './net/rest-server.js';
import { SchemaService } from './net/schema-service.js';
import { runInitSql } from './coordinator/init-sql.js';

function serverVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export interface RunningServer {
  readonly ports: { rest: number; grpc: number; metrics: number | null };
  readonly coordinator: Coordinator;
  /** Resolves when every shard has recovered and takes work. */
  readonly ready: Promise<void>;
  /** Orderly shutdown; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A shard cannot be kept alive: the caller should exit non-zero. */
  onFatal?: (reason: string) => void;
}

export async function startServer(config: HeliosConfig, log: Logger, o: StartOptions = {}): Promise<RunningServer> {
  mkdirSync(config.database.path, { recursive: true });
  const onFatal = o.onFatal ?? ((reason: string) => log.fatal(reason));
  const coordinator = new Coordinator({
    shards: config.performance.worker_threads,
    partitions: config.storage.partitions,
    storage: {
      dataDir: config.database.path,
      walMode: config.database.wal_mode,
      cacheBytes: shardPoolBytes(config.database.cache_size_mb, config.performance.worker_threads),
      asyncSyncIntervalMs: config.storage.async_sync_interval_ms,
      checkpointWalBytes: config.storage.checkpoint_wal_mb * 1024 * 1024,
      logLevel: config.observability.log_level,
      simd: config.performance.simd_acceleration,
    },
    log: log.child({ component: 'coordinator' }),
    onFatal,
    shardKeys: config.schema.shard_keys,
  });
  const metrics = createMetrics(coordinator);
  const maxRequestBytes = config.api.max_request_size_mb * 1024 * 1024;
  const tls = config.api.tls.enabled ? { certPath: config.api.tls.cert_path, keyPath: config.api.tls.key_path } : undefined;
  const schemaApis = new SchemaService(coordinator, {
    rest: config.schema.auto_generate_rest,
    grpc: config.schema.auto_generate_grpc,
    methods: config.api.methods,
    shardKeys: config.schema.shard_keys,
    version: serverVersion(),
    staticProtos: GrpcServer.staticProtos(),
    onGrpcCall: (route, status, seconds) => {
      metrics.requests.inc({ interface: 'grpc', route, status });
      metrics.latency.observe({ interface: 'grpc', route }, seconds);
    },
  }, log.child({ component: 'schema-api' }));
  coordinator.onPossibleDdl(() => schemaApis.refresh());
  const rest = new RestServer(
    coordinator,
    { host: config.api.bind_address, port: config.api.rest_port, maxRequestBytes, enableCors: config.api.enable_cors, ...(tls ? { tls } : {}) },
    metrics,
    log.child({ component: 'rest' }),
    schemaApis,
  );
  const grpc = new GrpcServer(
    coordinator,
    { host: config.api.bind_address, port: config.api.grpc_port, maxRequestBytes, ...(tls ? { tls } : {}) },
    metrics,
    log.child({ component: 'grpc' }),
  );
  grpc.attachSchema(schemaApis);

  // Ready once the shards are, init_sql has run and the generated APIs have read the catalog.
  const ready = coordinator
    .start()
    .then(() => runInitSql(coordinator, config.schema.init_sql, log.child({ component: 'init-sql' })))
    .then(() => schemaApis.refresh())
    .then(() => coordinator.markInitialized());
  ready.catch(() => undefined);

  const closers: (() => Promise<void>)[] = [];
  let metricsPort: number | null = null;
  try {
    const restPort = await rest.listen();
    closers.push(() => rest.close());
    const grpcPort = await grpc.listen();
    closers.push(() => grpc.close());
    if (config.observability.metrics_enabled) {
      const m = await startMetricsServer(metrics, config.api.bind_address, config.observability.metrics_port);
      metricsPort = m.port;
      closers.push(() => m.close());
    }
    log.info({ rest: restPort, grpc: grpcPort, metrics: metricsPort }, 'listening');
    let stopping: Promise<void> | undefined;
    return {
      ports: { rest: restPort, grpc: grpcPort, metrics: metricsPort },
      coordinator,
      ready: ready.then(() => log.info('ready')),
      stop: () => {
        stopping ??= (async () => {
          coordinator.drain();
          await Promise.all(closers.map((c) => c()));
          await coordinator.stop();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await Promise.allSettled(closers.map((c) => c()));
    await coordinator.stop();
    throw e;
  }
}
