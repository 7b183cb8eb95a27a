/**
 * {@link ConfigError}: why a configuration was rejected, for a human at start-up.
 *
 * Not a {@link HeliosError}: those carry the contract's request-level codes across rings and onto
 * the wire, while a bad configuration never reaches a client — the process prints the message
 * once and exits non-zero before opening any port. Every problem found is reported in one throw,
 * one self-contained line each, so a user fixes the file in one round instead of one per restart.
 *
 * A line reads, depending on where the offending value came from:
 *   /etc/heliosdb.toml:12: api.rest_port: expected an integer port 0..65535 (0 = pick a free one), got 8080.0 (a float)
 *   environment HELIOSDB_REST_PORT (api.rest_port): expected an integer port 0..65535 (…), got "80a"
 */

import { invariant } from '../errors.js';

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** The config file, absolute (or '<embedded default>'); absent for an environment variable. */
  readonly file?: string;
  /** 1-based line in the file where known. */
  readonly line?: number;
  /** 1-based column, for TOML syntax errors only. */
  readonly column?: number;
  /** Dotted key, e.g. `api.rest_port` or `api.methods[0].name`. Absent for syntax errors. */
  readonly key?: string;
  /** The environment variable the value came from, when it came from one. */
  readonly variable?: string;
  /** What is wrong and what is expected, without the location prefix. */
  readonly message: string;
}

/** Renders one problem as the line the user sees. */
export function formatProblem(p: ConfigProblem): string {
  let where: string;
  if (p.variable !== undefined) {
    where = `environment ${p.variable}${p.key === undefined ? '' : ` (${p.key})`}`;
  } else {
    const pos = p.line === undefined ? '' : p.column === undefined ? `:${p.line}` : `:${p.line}:${p.column}`;
    where = `${p.file ?? '<configuration>'}${pos}${p.key === undefined ? '' : `: ${p.key}`}`;
  }
  return `${where}: ${p.message}`;
}

export class ConfigError extends Error {
  /** Every problem found, in file order then environment order; never empty. */
  readonly problems: readonly ConfigProblem[];
  /** The first problem's file, key and line (the properties the lead's CLI reads). */
  readonly file?: string;
  readonly key?: string;
  readonly line?: number;
  /** The first problem's environment variable, when it came from one. */
  readonly variable?: string;

  constructor(problems: readonly ConfigProblem[]) {
    invariant(problems.length > 0, 'ConfigError needs at least one problem');
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    const first = problems[0]!;
    if (first.file !== undefined) this.file = first.file;
    if (first.key !== undefined) this.key = first.key;
    if (first.line !== undefined) this.line = first.line;
    if (first.variable !== undefined) this.variable = first.variable;
  }
}
