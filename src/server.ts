/**
 * The server: the embedded database's core (`src/library/core.ts`: configuration → coordinator →
 * shards, generated APIs, metrics) with every listener of the configuration open
 * (`src/library/serve.ts`: REST, gRPC, metrics). The CLI (`src/cli.ts`) runs it; library users
 * get the same pieces through `Database.open` and `db.serve()` (`src/index.ts`).
 *
 * Start-up order: the data directory is created, the shards are spawned (each recovers its
 * partitions), and the ports open at once (GET /health answers, GET /ready says 503 until every
 * shard is Ready). If any port cannot be bound, the ports already opened are closed, the shards
 * stopped, and the error is thrown: no port is left half-open.
 *
 * Shutdown: stop taking new work (/ready → 503, new requests UNAVAILABLE), let the servers finish
 * what is in flight, then stop the shards (each makes its WAL durable and exits).
 */
import type { HeliosConfig } from './config/index.js';
import type { Coordinator } from './coordinator/index.js';
import type { Logger } from './log.js';
import { openCore, type CoreOptions } from './library/core.js';
import { serveApis } from './library/serve.js';

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
  /** @internal See {@link CoreOptions.makeCoordinator} (benchmarks only). */
  makeCoordinator?: CoreOptions['makeCoordinator'];
}

export async function startServer(config: HeliosConfig, log: Logger, o: StartOptions = {}): Promise<RunningServer> {
  const core = openCore(config, log, {
    onFatal: o.onFatal ?? ((reason: string) => log.fatal(reason)),
    ...(o.makeCoordinator ? { makeCoordinator: o.makeCoordinator } : {}),
  });
  let serving;
  try {
    serving = await serveApis(core);
  } catch (e) {
    await core.stop();
    throw e;
  }
  const { rest, grpc, metrics } = serving.ports;
  log.info({ rest, grpc, metrics }, 'listening');
  let stopping: Promise<void> | undefined;
  return {
    ports: { rest: rest!, grpc: grpc!, metrics },
    coordinator: core.coordinator,
    ready: core.ready.then(() => log.info('ready')),
    stop: () =>
      (stopping ??= (async () => {
        core.coordinator.drain();
        await serving.close();
        await core.stop();
        log.info('stopped');
      })()),
  };
}
