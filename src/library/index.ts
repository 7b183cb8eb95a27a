/**
 * The embedded library: HeliosDB-Lite inside a Node.js program, and the start-up path the
 * server shares with it.
 *
 *   core.ts              config → coordinator + shard workers, generated-API schema, metrics, readiness
 *   serve.ts             a core's listeners: REST, gRPC, metrics; TLS, limits, user services/routes
 *   database.ts          Database: open / execute / query / queryRow / serve / close
 *   values.ts            JS values ⇄ SQL values (the contract's table, JS-flavoured)
 *   statement-codec.ts   the one adapter to the shard protocol (ExecuteRequest with named params)
 *
 * May import: config, coordinator, net, errors, log, and the shard's wire codec (statement-codec
 * only). Nothing below imports this folder except `src/server.ts` and `src/index.ts`.
 * Read next: database.ts, then core.ts; docs/api.md "Embedding" for the user's view.
 */
export { Database, DatabaseClosedError, type CallOptions, type DatabaseConfig, type ExecResult, type OpenOptions, type Row } from './database.js';
export type { Endpoint, ServeOptions, Serving, UserGrpcService, UserRestRoutes } from './serve.js';
export { Transaction, type TransactionOptions } from './transaction.js';
export type { IntegerMode, SqlParam, SqlParams, SqlValue } from './values.js';
