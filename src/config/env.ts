/**
 * Environment overrides (contract: "Process, ports, configuration"), applied after the file and
 * checked by the same rules; a bad value is reported under the variable's name, since that is what
 * the user has to fix. They exist so several instances can run side by side (tests give each its
 * own data directory and port 0) without writing a config file per instance.
 *
 * An empty variable counts as unset, as with `${VAR:-default}` in a shell and `docker run -e VAR=`:
 * a wrapper script that forwards an unset variable must not turn it into a bad value.
 * `HELIOSDB_CONFIG` names the file itself and is read by `loadConfig` in index.ts.
 */

import { assertionFailed } from '../errors.js';
import type { Collector } from './collector.js';
import { formatKey, type KeyPath } from './key-lines.js';
import { CONFIG_SCHEMA, type LeafSpec, type Spec } from './schema.js';
import { checkLeaf, expectedOf, type Draft } from './validate.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The config-file variable: used when no `--config` is given. */
export const CONFIG_FILE_VARIABLE = 'HELIOSDB_CONFIG';

/** Each override and the key it replaces. */
export const ENV_OVERRIDES: readonly { readonly variable: string; readonly path: readonly [string, string] }[] = [
  { variable: 'HELIOSDB_PATH', path: ['database', 'path'] },
  { variable: 'HELIOSDB_REST_PORT', path: ['api', 'rest_port'] },
  { variable: 'HELIOSDB_GRPC_PORT', path: ['api', 'grpc_port'] },
  { variable: 'HELIOSDB_METRICS_PORT', path: ['observability', 'metrics_port'] },
  { variable: 'HELIOSDB_WORKER_THREADS', path: ['performance', 'worker_threads'] },
  { variable: 'HELIOSDB_WAL_MODE', path: ['database', 'wal_mode'] },
  { variable: 'HELIOSDB_LOG_LEVEL', path: ['observability', 'log_level'] },
];

/** The leaf spec at `path` (a bug if the table above names a key the schema lacks). */
export function leafAt(path: KeyPath): LeafSpec {
  let spec: Spec = CONFIG_SCHEMA;
  for (const seg of path) {
    if (spec.kind !== 'table' || typeof seg !== 'string' || !Object.hasOwn(spec.fields, seg)) {
      assertionFailed(`no config key ${formatKey(path)}`);
    }
    spec = spec.fields[seg]!;
  }
  if (spec.kind === 'table' || spec.kind === 'table-array' || spec.kind === 'string-map') {
    assertionFailed(`config key ${formatKey(path)} is not a scalar`);
  }
  return spec;
}

/**
 * Writes each set override into the draft (replacing the file's value) and marks its origin.
 * Integers must be plain decimal digits: `8080`, not `8080.0`, `+8080`, `0x1f90` or ` 8080`.
 */
export function applyEnv(draft: Draft, env: Env, c: Collector): void {
  for (const { variable, path } of ENV_OVERRIDES) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const spec = leafAt(path);
    const isInt = spec.kind === 'int' || spec.kind === 'port';
    if (isInt && !/^[0-9]+$/.test(raw)) {
      c.inEnv(variable, path, `expected ${expectedOf(spec)}, got ${JSON.stringify(raw)}`);
      continue;
    }
    const r = checkLeaf(spec, isInt ? BigInt(raw) : raw);
    if (!r.ok) {
      c.inEnv(variable, path, r.message);
      continue;
    }
    const [section, key] = path;
    const table = (draft[section] ??= Object.create(null)) as Draft;
    table[key] = r.value;
    c.origins.set(formatKey(path), { kind: 'env', variable });
  }
}
