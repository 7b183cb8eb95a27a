/**
 * {@link Database}: HeliosDB-Lite embedded in a Node.js program. `Database.open(config)` starts
 * the same coordinator and shard workers the server runs (src/library/core.ts) and resolves once
 * every shard has recovered; statements then go over the same rings as REST and gRPC requests,
 * with the same results and the same error codes. `db.serve()` opens the built-in REST and gRPC
 * APIs on this very database, optionally with the caller's own gRPC services and REST routes.
 *
 * Lifetimes: a Database owns worker threads, so it must be closed (`await db.close()`): close
 * stops the listeners (waiting for their in-flight requests), waits for this object's in-flight
 * statements, then stops the shards, each making its WAL durable. After close every call rejects
 * with {@link DatabaseClosedError}. Interactive transactions: {@link Database.transaction} (transaction.ts).
 */
import { loadConfig, loadConfigObject, type HeliosConfig, type LoadedConfig, type RequiredKey } from '../config/index.js';
import { HeliosError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { openCore, type Core } from './core.js';
import { serveApis, type ServeOptions, type Serving } from './serve.js';
import { decodeExecuteResponse, encodeStatement } from './statement-codec.js';
import { runTransaction, type Transaction, type TransactionOptions } from './transaction.js';
import { rowObjects, toExecResult, toValues, type IntegerMode, type SqlParams, type SqlValue } from './values.js';

/** Every section and key optional, except the data directory. */
type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends readonly (infer E)[] ? DeepPartial<E>[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The TOML's sections and keys as an object (`{ database: { path }, api: { rest_port } }`). */
export type DatabaseConfig = DeepPartial<HeliosConfig> & { database: { path: string } };

export interface OpenOptions {
  /**
   * Environment whose `HELIOSDB_*` overrides apply, as for the server (pass `process.env`).
   * Default: none — an embedded database is configured by its caller only.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** A pino logger. Default: JSON lines on stdout at `observability.log_level`. */
  logger?: Logger;
  /** INTEGER results as number (bigint only beyond ±(2^53−1), the default) or always bigint. */
  integers?: IntegerMode;
  /** A shard died and could not be restarted; the database answers UNAVAILABLE from then on. */
  onFatal?: (reason: string) => void;
}

export interface CallOptions {
  /** Give up after this long with UNAVAILABLE (the statement may still complete). */
  timeoutMs?: number;
}

/** A row as an object keyed by column name (a later duplicate column name wins). */
export type Row = Record<string, SqlValue>;

/** One statement's outcome, as `POST /v1/sql` returns it (camelCase). */
export interface ExecResult {
  columns: string[];
  /** Rows as arrays in column order. */
  rows: SqlValue[][];
  /** Rows inserted, updated or deleted; 0 for anything else. */
  rowsAffected: number;
  /** Rowid of the last row this statement inserted, else null. */
  lastInsertId: number | bigint | null;
}

/** Thrown by every call on a closed {@link Database}. Code UNAVAILABLE, but never retryable. */
export class DatabaseClosedError extends HeliosError {
  constructor(what: string) {
    super('UNAVAILABLE', `${what}: the database is closed`);
    this.name = 'DatabaseClosedError';
  }

  override get retryable(): boolean {
    return false;
  }
}

const DATA_DIR_REQUIRED: RequiredKey = { path: ['database', 'path'], expected: 'the data directory (created if missing)', by: 'by Database.open' };

export class Database {
  private closing: Promise<void> | undefined;
  private serving: Serving | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly core: Core,
    private readonly integers: IntegerMode,
  ) {}

  /**
   * Opens (or creates) the database at `config.database.path` and resolves when it takes work.
   * @param config a TOML file's path, or an object with the TOML's sections and keys; either is
   *   validated like the server's file (throws ConfigError naming every bad key).
   */
  static async open(config: string | DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
    const env = options.env ?? {};
    const loaded: LoadedConfig =
      typeof config === 'string'
        ? loadConfig({ file: config, env, required: [DATA_DIR_REQUIRED] })
        : loadConfigObject(config as Record<string, unknown>, { env, required: [DATA_DIR_REQUIRED] });
    const log = options.logger ?? createLogger(loaded.config.observability.log_level);
    for (const w of loaded.warnings) log.warn({ config: loaded.source }, w);
    const core = openCore(loaded.config, log, {
      onFatal: options.onFatal ?? ((reason) => log.fatal(`a shard could not be kept alive: ${reason}`)),
    });
    try {
      await core.ready;
    } catch (e) {
      await core.stop();
      throw HeliosError.from(e);
    }
    return new Database(core, options.integers ?? 'number');
  }

  /** The configuration in effect (validated, defaults filled in, paths absolute). */
  get config(): HeliosConfig {
    return this.core.config;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Runs one statement (a trailing `;` is fine; more than one is SQL_ERROR). */
  execute(sql: string, params?: SqlParams, opts: CallOptions = {}): Promise<ExecResult> {
    return this.track('execute', true, async () => {
      if (typeof sql !== 'string') throw new HeliosError('BAD_REQUEST', `sql: expected a string, got ${typeof sql}`);
      const bytes = encodeStatement(sql, toValues(params));
      return toExecResult(decodeExecuteResponse(await this.core.coordinator.execProto(bytes, opts.timeoutMs)), this.integers);
    });
  }

  /** Runs one statement and returns its rows as objects keyed by column name. */
  async query<T extends object = Row>(sql: string, params?: SqlParams, opts?: CallOptions): Promise<T[]> {
    return rowObjects<T>(await this.execute(sql, params, opts));
  }

  /**
   * Runs `fn` in an interactive, serializable transaction: commits when it returns, rolls back
   * when it throws. `retries` (default 0) re-runs it on SERIALIZATION_FAILURE (see transaction.ts).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return this.track('transaction', false, () => runTransaction(this.core, this.integers, fn, opts));
  }

  /** The first row of {@link query}, or undefined when there is none. */
  async queryRow<T extends object = Row>(sql: string, params?: SqlParams, opts?: CallOptions): Promise<T | undefined> {
    return (await this.query<T>(sql, params, opts))[0];
  }

  /**
   * Serves the built-in REST and gRPC APIs of this database (as `heliosdb serve` would, with the
   * configuration's ports, TLS and limits unless overridden), plus the caller's own gRPC services
   * and REST routes. Once per Database; `db.close()` closes the listeners too.
   */
  serve(options: ServeOptions = {}): Promise<Serving> {
    // Not wrapped into HeliosError: a busy port is the caller's to see as it is (EADDRINUSE).
    return this.track('serve', false, async () => {
      if (this.serving) throw new HeliosError('BAD_REQUEST', 'serve: this database is already serving; call serve() once');
      const serving = await serveApis(this.core, options);
      this.serving = serving;
      this.core.log.info({ rest: serving.ports.rest, grpc: serving.ports.grpc, metrics: serving.ports.metrics }, 'listening');
      return serving;
    });
  }

  /** Stops serving, waits for in-flight statements, stops the shards durably. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.core.coordinator.drain();
      await this.serving?.close();
      await Promise.allSettled([...this.inFlight]);
      await this.core.stop();
    })();
    return this.closing;
  }

  /** Runs a call unless closed, counting it in flight; `wrap`: any failure as a HeliosError. */
  private track<T>(what: string, wrap: boolean, run: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new DatabaseClosedError(what));
    const p = wrap
      ? run().catch((e: unknown) => {
          throw HeliosError.from(e);
        })
      : run();
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }
}
