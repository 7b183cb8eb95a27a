/**
 * The package's public surface (`import { Database } from 'heliosdb-lite'`): the embedded
 * database, its error types, the configuration loader and the server entry the CLI uses. Nothing
 * else is exported; deep imports are not part of the API (package.json `exports`).
 * Read next: src/library/index.ts.
 */
export * from './library/index.js';
export { HeliosError, ERROR_CODES, type ErrorCode, type ConstraintKind } from './errors.js';
export { ConfigError, loadConfig, loadConfigObject, type ConfigProblem, type HeliosConfig, type LoadedConfig } from './config/index.js';
export { startServer, type RunningServer, type StartOptions } from './server.js';
