/**
 * From a validated draft (file values + environment overrides) to the final {@link HeliosConfig}:
 * fill every absent key with its default, resolve paths, apply the rules that span keys, freeze.
 *
 * Paths: a path written in the file is relative to the file's directory (so a config file and its
 * certificates move together); a path from the environment or a default is relative to the
 * working directory, like any command-line path. Returned paths are absolute.
 *
 * Rules that span keys:
 *   - `api.tls.enabled` needs `cert_path` and `key_path`, both readable files holding a PEM
 *     certificate and its matching private key (checked here, so a wrong file is a config error
 *     naming the key rather than a TLS failure on the first handshake);
 *   - a non-empty `schema.init_sql` must be a readable file;
 *   - REST, gRPC and (when enabled) metrics need distinct ports, except 0 (each picks a free one);
 *   - `observability.tracing_enabled` needs a `tracing_endpoint`;
 *   - `[[api.methods]]` names are unique per table (they become one gRPC service's rpc names);
 *   - `performance.use_io_uring = true` is accepted with a warning: Node.js has no io_uring path.
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Collector } from './collector.js';
import { formatKey, type KeyPath } from './key-lines.js';
import { CONFIG_SCHEMA, MAX_WORKER_THREADS, type HeliosConfig, type Spec, type TableSpec } from './schema.js';
import type { Draft } from './validate.js';

export interface BuildContext {
  /** The config file's absolute path, or undefined for the embedded default (no file). */
  readonly file: string | undefined;
  readonly cwd: string;
  /** Computes the default `worker_threads`; called only when neither file nor env sets it. */
  readonly cpuLimit: () => number;
}

export function buildConfig(draft: Draft, c: Collector, ctx: BuildContext): HeliosConfig {
  const config = fillTable(CONFIG_SCHEMA, draft, [], c, ctx) as unknown as HeliosConfig;
  checkTls(config, c);
  checkFile(config.schema.init_sql, ['schema', 'init_sql'], 'the SQL file to run at start-up', c);
  checkPorts(config, c);
  checkMethods(config, c);
  if (config.observability.tracing_enabled && config.observability.tracing_endpoint === '') {
    c.at(
      ['observability', 'tracing_endpoint'],
      'required when observability.tracing_enabled = true; expected an http:// or https:// URL',
      ['observability', 'tracing_enabled'],
    );
  }
  if (config.performance.use_io_uring) {
    c.warn(
      ['performance', 'use_io_uring'],
      "has no effect: Node.js file I/O goes through libuv's thread pool, not io_uring; accepted for compatibility",
    );
  }
  return deepFreeze(config);
}

function fillTable(spec: TableSpec, draft: Draft | undefined, path: KeyPath, c: Collector, ctx: BuildContext): Draft {
  const out: Draft = {};
  for (const [key, child] of Object.entries(spec.fields)) {
    out[key] = fill(child, draft?.[key], [...path, key], c, ctx);
  }
  return out;
}

function fill(spec: Spec, value: unknown, path: KeyPath, c: Collector, ctx: BuildContext): unknown {
  switch (spec.kind) {
    case 'table':
      return fillTable(spec, value as Draft | undefined, path, c, ctx);
    case 'table-array':
      return ((value as Draft[] | undefined) ?? []).map((item) => ({ ...item }));
    case 'string-map':
      // Null prototype: a table named "constructor" must not find Object.prototype.constructor.
      return Object.assign(Object.create(null), value ?? {});
    case 'path': {
      const p = (value as string | undefined) ?? spec.default;
      if (p === '') return '';
      const fromFile = c.originOf(path)?.kind === 'file' && ctx.file !== undefined;
      return isAbsolute(p) ? resolve(p) : resolve(fromFile ? dirname(ctx.file!) : ctx.cwd, p);
    }
    case 'int':
      if (value !== undefined) return value;
      return spec.default === 'cpu-limit' ? Math.min(ctx.cpuLimit(), MAX_WORKER_THREADS) : spec.default;
    default:
      return value ?? spec.default;
  }
}

/** Problems with a file a key names, or undefined when it is a readable regular file. */
function fileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a regular file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${path} does not exist`;
    if (code === 'EACCES') return `${path} is not readable by this process`;
    return `${path} cannot be read (${code ?? String(e)})`;
  }
}

function checkFile(value: string, path: KeyPath, what: string, c: Collector): void {
  if (value === '') return;
  const wrong = fileProblem(value);
  if (wrong !== undefined) c.at(path, `expected ${what}, but ${wrong}`);
}

function checkTls(config: HeliosConfig, c: Collector): void {
  const tls = config.api.tls;
  if (!tls.enabled) return;
  for (const [key, what] of [
    ['cert_path', 'a readable PEM certificate (chain) file'],
    ['key_path', 'a readable PEM private-key file'],
  ] as const) {
    const path = ['api', 'tls', key];
    if (tls[key] === '') c.at(path, `required when api.tls.enabled = true; expected ${what}`, ['api', 'tls', 'enabled']);
    else checkFile(tls[key], path, what, c);
  }
  const certKey = ['api', 'tls', 'cert_path'];
  const keyKey = ['api', 'tls', 'key_path'];
  if (c.hasProblem(certKey) || c.hasProblem(keyKey)) return;
  const cert = readFileSync(tls.cert_path);
  const key = readFileSync(tls.key_path);
  try {
    new X509Certificate(cert);
  } catch (e) {
    c.at(certKey, `expected a PEM certificate, but ${tls.cert_path} does not hold one (${(e as Error).message})`);
    return;
  }
  try {
    createPrivateKey(key);
  } catch (e) {
    c.at(keyKey, `expected a PEM private key (unencrypted), but ${tls.key_path} does not hold one (${(e as Error).message})`);
    return;
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    c.at(keyKey, `expected the private key of the certificate in ${tls.cert_path}, but ${tls.key_path} does not match it (${(e as Error).message})`);
  }
}

function checkPorts(config: HeliosConfig, c: Collector): void {
  const ports: [KeyPath, number][] = [
    [['api', 'rest_port'], config.api.rest_port],
    [['api', 'grpc_port'], config.api.grpc_port],
  ];
  if (config.observability.metrics_enabled) ports.push([['observability', 'metrics_port'], config.observability.metrics_port]);
  // A port whose own value was rejected stands at its default here; comparing it would be noise.
  const valid = ports.filter(([path]) => !c.hasProblem(path));
  valid.forEach(([path, port], i) => {
    if (port === 0) return;
    const earlier = valid.slice(0, i).find(([, p]) => p === port);
    if (earlier === undefined) return;
    c.at(path, `port ${port} is already ${formatKey(earlier[0])}; expected a port of its own (or 0 to pick a free one)`);
  });
}

function checkMethods(config: HeliosConfig, c: Collector): void {
  const seen = new Map<string, number>();
  config.api.methods.forEach((m, i) => {
    const id = `${m.table}\u0000${m.name}`;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else {
      c.at(
        ['api', 'methods', i, 'name'],
        `duplicate method "${m.name}" on table "${m.table}" (also api.methods[${first}]); expected a name unique per table`,
      );
    }
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
