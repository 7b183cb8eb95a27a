#!/usr/bin/env -S node --v8-pool-size=1 --max-semi-space-size=16
/**
 * The `heliosdb` command. `heliosdb serve [--config FILE]` runs the server; without a file (and
 * no HELIOSDB_CONFIG) it runs on the embedded default configuration. Exit codes: 0 after a clean
 * shutdown (SIGTERM/SIGINT), 2 for a configuration error (printed once, before any port opens),
 * 1 for a start-up failure (e.g. a busy port) or a shard that cannot be kept alive.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

const USAGE = `Usage: heliosdb serve [--config FILE]
       heliosdb --version

Environment overrides: HELIOSDB_CONFIG, HELIOSDB_PATH, HELIOSDB_REST_PORT, HELIOSDB_GRPC_PORT,
HELIOSDB_METRICS_PORT, HELIOSDB_WORKER_THREADS, HELIOSDB_WAL_MODE, HELIOSDB_LOG_LEVEL.`;

const SHUTDOWN_LIMIT_MS = 15_000;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parseArgs(argv: string[]): { command: string; config?: string } | string {
  const [command = 'help', ...rest] = argv;
  const out: { command: string; config?: string } = { command };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--config' || a === '-c') {
      const v = rest[++i];
      if (!v) return `--config needs a file path`;
      out.config = v;
    } else if (a.startsWith('--config=')) {
      out.config = a.slice('--config='.length);
    } else {
      return `unknown argument ${JSON.stringify(a)}`;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`heliosdb: ${args}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.command === '--version' || args.command === 'version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (args.command !== 'serve') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(args.command === 'help' || args.command === '--help' || args.command === '-h' ? 0 : 2);
  }

  let loaded;
  try {
    loaded = loadConfig({ ...(args.config ? { file: args.config } : {}), env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`heliosdb: configuration error\n${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const { config } = loaded;
  const log = createLogger(config.observability.log_level);
  for (const w of loaded.warnings) log.warn({ config: loaded.source }, w);
  log.info({ config: loaded.source, workerThreads: config.performance.worker_threads, walMode: config.database.wal_mode, dataDir: config.database.path }, 'starting');

  let server;
  try {
    server = await startServer(config, log, {
      onFatal: (reason) => {
        log.fatal(`giving up: ${reason}`);
        process.exit(1);
      },
    });
  } catch (e) {
    log.fatal({ err: e instanceof Error ? e.message : String(e) }, `start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  const running = server;
  running.ready.catch((e: unknown) => {
    // Recovery, init_sql or the first schema load failed: the server must not run half-started.
    log.fatal(`start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    void running.stop().finally(() => process.exit(1));
  });

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.fatal(`shutdown did not finish within ${SHUTDOWN_LIMIT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.fatal({ err: String(e) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`heliosdb: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
