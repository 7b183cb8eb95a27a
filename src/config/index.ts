/**
 * Configuration: the TOML file of the contract ("Process, ports, configuration"), its defaults,
 * the `HELIOSDB_*` environment overrides, and strict validation — all before any port opens.
 *
 * Owns: `config/heliosdb.toml` (the shipped, commented default) and this folder. A leaf layer: it
 * imports only `src/errors.ts`, smol-toml and node builtins; the coordinator imports it.
 *
 * A load, in order:
 *   1. pick the file: `--config` (opts.file), else `HELIOSDB_CONFIG`, else the embedded default;
 *   2. parse with smol-toml (`integersAsBigInt`, so `8080.0` is a float, not a port) —
 *      a syntax error stops here with file, line, column and smol-toml's excerpt;
 *   3. validate against the schema (validate.ts): unknown keys, types, ranges, enums;
 *   4. apply environment overrides (env.ts), validated the same way, blamed on the variable;
 *   5. fill defaults, resolve paths, check rules that span keys (build.ts): TLS files, init_sql,
 *      distinct ports; `worker_threads` defaults to the container's CPU limit (cgroup.ts);
 *   6. throw one {@link ConfigError} listing every problem, one per line — or return the frozen
 *      config with warnings (unknown keys in `[edge]`/`[retention]`) for the caller to log.
 *
 * Read next: schema.ts (every key, bound and default), then validate.ts and build.ts;
 * docs/config.md for the user-facing tour.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { buildConfig } from './build.js';
import { detectCpuLimit } from './cgroup.js';
import { Collector } from './collector.js';
import { ConfigError } from './config-error.js';
import { applyEnv, CONFIG_FILE_VARIABLE, type Env } from './env.js';
import { CONFIG_SCHEMA, type HeliosConfig } from './schema.js';
import { tomlShapeOf } from './object-source.js';
import { validateDocument, type Draft } from './validate.js';

export { ConfigError, type ConfigProblem } from './config-error.js';
export { detectCpuLimit, cpuLimitOf, type CpuProbe } from './cgroup.js';
export { ENV_OVERRIDES, CONFIG_FILE_VARIABLE, type Env } from './env.js';
export type * from './schema.js';
export { CONFIG_SCHEMA, MAX_WORKER_THREADS } from './schema.js';

/** The `source` of a configuration that came from no file. */
export const EMBEDDED_SOURCE = '<embedded default>';

export interface LoadedConfig {
  readonly config: HeliosConfig;
  /** The config file's absolute path, or '<embedded default>'. */
  readonly source: string;
  /** Non-fatal findings, one self-contained line each, for the caller to log. */
  readonly warnings: string[];
}

export interface LoadOptions {
  /** `--config FILE`; relative to the working directory. Wins over `HELIOSDB_CONFIG`. */
  readonly file?: string;
  /** The environment (default `process.env`). */
  readonly env?: Env;
  /** Where cgroups are mounted (default `/sys/fs/cgroup`); tests point it at a fake tree. */
  readonly cgroupRoot?: string;
  /**
   * Keys the file (or object, or environment) must set rather than leave to the default — the
   * embedded library requires `database.path`, since a library writing to `./data` of whatever
   * directory the host process runs in would surprise. Each is reported like any other problem.
   */
  readonly required?: readonly RequiredKey[];
}

export interface RequiredKey {
  /** e.g. `['database', 'path']`. */
  readonly path: readonly string[];
  /** The message after "required …; expected …", e.g. "the data directory". */
  readonly expected: string;
  /** Who requires it, for the message: "by Database.open". */
  readonly by: string;
}

/** The `source` of a configuration given as an object ({@link loadConfigObject}). */
export const OBJECT_SOURCE = '<configuration object>';

/**
 * Loads the configuration the process runs with (see the module doc for the order).
 * @throws ConfigError naming file, key, line (or variable) and what was expected, for every problem.
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const fromVariable = opts.file === undefined && (env[CONFIG_FILE_VARIABLE] ?? '') !== '';
  const file = opts.file ?? (fromVariable ? env[CONFIG_FILE_VARIABLE] : undefined);
  if (file === undefined) return configure('', undefined, undefined, env, opts);

  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'is not readable'
            : `cannot be read (${code ?? String(e)})`;
    throw new ConfigError([
      {
        file: abs,
        ...(fromVariable ? { variable: CONFIG_FILE_VARIABLE } : {}),
        message: `the config file ${abs} ${why}; expected a readable TOML file`,
      },
    ]);
  }
  return configure(text, undefined, abs, env, opts);
}

/**
 * Validates a configuration given as a JavaScript object with the TOML's sections and keys
 * (`{ database: { path: './db' }, api: { rest_port: 0 } }`), with the same checks and messages
 * as a file; problems name `<configuration object>` instead of a file and line. Relative paths
 * are relative to the working directory. The environment applies only if `opts.env` is given.
 */
export function loadConfigObject(object: Readonly<Record<string, unknown>>, opts: Omit<LoadOptions, 'file'> = {}): LoadedConfig {
  return configure('', tomlShapeOf(object) as Record<string, unknown>, undefined, opts.env ?? {}, opts);
}

/**
 * Parses and validates configuration text as if read from `file` (which anchors relative paths
 * and names the file in messages; made absolute against the working directory).
 */
export function parseConfigText(text: string, file: string, env: Env = process.env, cgroupRoot?: string): LoadedConfig {
  return configure(text, undefined, resolve(file), env, cgroupRoot === undefined ? {} : { cgroupRoot });
}

/**
 * The embedded default configuration (what `npm start` runs with, before the environment):
 * every key at its default, `database.path` = `<cwd>/data`, worker_threads = the CPU limit.
 */
export function defaultConfig(): HeliosConfig {
  return configure('', undefined, undefined, {}, {}).config;
}

/** `object` is an already-parsed document (from {@link loadConfigObject}); else `text` is parsed. */
function configure(text: string, object: Record<string, unknown> | undefined, file: string | undefined, env: Env, opts: LoadOptions): LoadedConfig {
  const cgroupRoot = opts.cgroupRoot;
  const source = file ?? (object ? OBJECT_SOURCE : EMBEDDED_SOURCE);
  // A UTF-8 byte-order mark (Windows editors) is not TOML; drop it rather than fail on line 1.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const c = new Collector(source, body);

  let draft: Draft = Object.create(null);
  if (body !== '') {
    let doc: Record<string, unknown>;
    try {
      doc = parse(body, { integersAsBigInt: true });
    } catch (e) {
      if (!(e instanceof TomlError)) throw e;
      throw new ConfigError([{ file: source, line: e.line, column: e.column, message: syntaxMessage(e) }]);
    }
    draft = validateDocument(doc, CONFIG_SCHEMA, c);
  } else if (object) {
    draft = validateDocument(object, CONFIG_SCHEMA, c);
  }
  applyEnv(draft, env, c);
  for (const r of opts.required ?? []) {
    if (c.originOf(r.path) === undefined && !c.hasProblem(r.path)) c.inFile(r.path, `required ${r.by}; expected ${r.expected}`);
  }
  // Carry on even after problems: a rejected value leaves a hole that takes its default, and the
  // cross-key rules skip keys already reported (Collector.at), so one run reports everything.
  const config = buildConfig(draft, c, {
    file,
    cwd: process.cwd(),
    cpuLimit: () => detectCpuLimit(cgroupRoot),
  });
  c.throwIfAny();
  return { config, source, warnings: c.warnings };
}

/** "TOML syntax error: <reason>" followed by smol-toml's excerpt with its caret. */
function syntaxMessage(e: TomlError): string {
  const reason = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
  return `TOML syntax error: ${reason}\n${e.codeblock.replace(/\n+$/, '')}`;
}
