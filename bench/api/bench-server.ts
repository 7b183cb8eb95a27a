/**
 * Bench-only server entry: the product's `startServer` (same REST, gRPC, metrics and generated
 * APIs) over a stand-in coordinator from bench-coordinators.ts. Configured like `heliosdb serve`
 * (HELIOSDB_* environment, `--config FILE`), plus the mode:
 *
 *   node dist/bench/api/bench-server.js constant ANSWERS.json [--config FILE]
 *   node dist/bench/api/bench-server.js reencode [--config FILE]
 *
 * Prints the same `{"msg":"listening",...}` line and stops on SIGTERM like the CLI.
 */
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startServer } from '../../src/server.js';
import { ConstantCoordinator, ReencodingCoordinator } from './bench-coordinators.js';

const [mode, ...rest] = process.argv.slice(2);
let answers: string | undefined;
if (mode === 'constant') answers = rest.shift();
const ci = rest.indexOf('--config');
const file = ci >= 0 ? rest[ci + 1] : undefined;
if ((mode !== 'constant' && mode !== 'reencode') || (mode === 'constant' && !answers)) {
  process.stderr.write('usage: bench-server.js constant ANSWERS.json [--config FILE] | reencode [--config FILE]\n');
  process.exit(2);
}

const { config } = loadConfig({ ...(file ? { file } : {}), env: process.env });
const log = createLogger(config.observability.log_level);
const server = await startServer(config, log, {
  onFatal: (reason) => {
    log.fatal(reason);
    process.exit(1);
  },
  makeCoordinator: (o) => (mode === 'constant' ? new ConstantCoordinator(o, answers!) : new ReencodingCoordinator(o)),
});
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
process.once('SIGINT', () => void server.stop().then(() => process.exit(0)));
