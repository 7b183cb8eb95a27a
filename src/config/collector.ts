/**
 * Collects every problem and warning of one configuration load, each stamped with where its value
 * came from: a line of the file, an environment variable, or the built-in default (then the
 * nearest written enclosing key's line, so "api.tls.cert_path is required" points at `[api.tls]`).
 * Validation never stops at the first problem; `index.ts` throws one {@link ConfigError} at the end.
 */

import { ConfigError, formatProblem, type ConfigProblem } from './config-error.js';
import { formatKey, locateKeys, type KeyLines, type KeyPath } from './key-lines.js';

/** Where a configured value came from. Absent from the origin map = the built-in default. */
export type Origin = { readonly kind: 'file' } | { readonly kind: 'env'; readonly variable: string };

export class Collector {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  /** Origin of every key set by the file or the environment, by formatted key. */
  readonly origins = new Map<string, Origin>();
  private keyLines: KeyLines | undefined;

  /**
   * @param source the config file, absolute, or '<embedded default>'
   * @param text   the file's text (already accepted by the TOML parser), '' for none
   */
  constructor(
    readonly source: string,
    private readonly text: string,
  ) {}

  /** Line of `path` (or its nearest written ancestor) in the file; located lazily, on first need. */
  lineOf(path: KeyPath): number | undefined {
    this.keyLines ??= locateKeys(this.text);
    return this.keyLines.lineOf(path);
  }

  originOf(path: KeyPath): Origin | undefined {
    return this.origins.get(formatKey(path));
  }

  /** True when a problem about exactly this key was already recorded. */
  hasProblem(path: KeyPath): boolean {
    const key = formatKey(path);
    return this.problems.some((p) => p.key === key);
  }

  /** A problem with a value written in the file (or a default, located at `locate`). */
  inFile(path: KeyPath, message: string, locate: KeyPath = path): void {
    const line = this.lineOf(locate);
    this.problems.push({
      file: this.source,
      key: formatKey(path),
      message,
      ...(line === undefined ? {} : { line }),
    });
  }

  /** A problem with the value of an environment variable. */
  inEnv(variable: string, path: KeyPath, message: string): void {
    this.problems.push({ variable, key: formatKey(path), message });
  }

  /**
   * A problem with whatever value `path` ended up with, blamed on where that value came from.
   * Skipped when `path` already has a problem: its value was rejected and is now a stand-in default.
   */
  at(path: KeyPath, message: string, locate: KeyPath = path): void {
    if (this.hasProblem(path)) return;
    const origin = this.originOf(path);
    if (origin?.kind === 'env') this.inEnv(origin.variable, path, message);
    else this.inFile(path, message, locate);
  }

  /** A warning about something in the file: logged by the caller, never fatal. */
  warn(path: KeyPath, message: string): void {
    const line = this.lineOf(path);
    this.warnings.push(
      formatProblem({
        file: this.source,
        key: formatKey(path),
        message,
        ...(line === undefined ? {} : { line }),
      }),
    );
  }

  /** Throws everything collected so far as one ConfigError; returns when nothing went wrong. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    // File problems by line (a stable sort keeps same-line ones in check order), then the rest:
    // the user reads the list top to bottom with the file open.
    const rank = (p: ConfigProblem): number => (p.variable !== undefined ? Infinity : (p.line ?? Number.MAX_SAFE_INTEGER));
    throw new ConfigError([...this.problems].sort((a, b) => rank(a) - rank(b)));
  }
}
