/**
 * Checks the parsed TOML against {@link CONFIG_SCHEMA}: unknown keys, types, ranges, enum values,
 * the shape of `[[api.methods]]` and `[schema.shard_keys]`. The result is a *draft*: a nested
 * object holding only what the file wrote, converted to JS values (TOML integers arrive as bigint
 * and become numbers after the range check); defaults and cross-key rules come later, in
 * `build.ts`, after the environment had its say.
 *
 * Integers and floats stay distinct because the parser runs with `integersAsBigInt`: `8080.0`
 * is a float, and a float is not a port.
 */

import { TomlDate } from 'smol-toml';
import type { Collector } from './collector.js';
import { formatKey, type KeyPath } from './key-lines.js';
import type { LeafSpec, Spec, StringMapSpec, TableArraySpec, TableSpec } from './schema.js';
import { closest } from './suggest.js';

export type LeafValue = string | number | boolean;
export type Draft = Record<string, unknown>;

export type LeafResult =
  | { readonly ok: true; readonly value: LeafValue }
  | { readonly ok: false; readonly message: string };

/** What a leaf accepts, as the "expected …" half of a message. */
export function expectedOf(spec: LeafSpec): string {
  switch (spec.kind) {
    case 'bool':
      return 'true or false';
    case 'port':
      return 'an integer port 0..65535 (0 = pick a free one)';
    case 'int':
      return `${spec.powerOfTwo ? 'a power of two' : 'an integer'} ${spec.min}..${spec.max} (${spec.unit})`;
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'string':
      return spec.what;
    case 'path':
      return spec.allowEmpty ? 'a file path, or "" for none' : 'a non-empty file path';
  }
}

/** A TOML value as the "got …" half of a message. */
export function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v} (an integer)`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan (a float)';
    if (!Number.isFinite(v)) return `${v > 0 ? '' : '-'}inf (a float)`;
    return `${Number.isInteger(v) ? v.toFixed(1) : String(v)} (a float)`;
  }
  if (typeof v === 'string') return `${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)} (a string)`;
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  if (v instanceof TomlDate) return `${v.toISOString()} (a date)`;
  if (Array.isArray(v)) return 'an array';
  return 'a table';
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

const fail = (spec: LeafSpec, got: string, hint = ''): LeafResult => ({
  ok: false,
  message: `expected ${expectedOf(spec)}, got ${got}${hint}`,
});

/**
 * Checks one value against a leaf spec. Integers must be bigint (what the parser gives with
 * `integersAsBigInt`; env.ts converts digit strings the same way).
 */
export function checkLeaf(spec: LeafSpec, v: unknown): LeafResult {
  switch (spec.kind) {
    case 'bool':
      return typeof v === 'boolean' ? { ok: true, value: v } : fail(spec, describe(v));
    case 'port':
    case 'int': {
      const [min, max] = spec.kind === 'port' ? [0, 65535] : [spec.min, spec.max];
      if (typeof v !== 'bigint') {
        const hint = typeof v === 'number' && Number.isInteger(v) ? `; write ${v} without the fraction` : '';
        return fail(spec, describe(v), hint);
      }
      if (v < BigInt(min) || v > BigInt(max)) return fail(spec, String(v));
      if (spec.kind === 'int' && spec.powerOfTwo && (v & (v - 1n)) !== 0n) return fail(spec, String(v));
      return { ok: true, value: Number(v) };
    }
    case 'enum': {
      if (typeof v !== 'string') return fail(spec, describe(v));
      if (spec.values.includes(v)) return { ok: true, value: v };
      const near = closest(v, spec.values);
      return fail(spec, JSON.stringify(v), near === undefined ? '' : ` (did you mean "${near}"?)`);
    }
    case 'string': {
      if (typeof v !== 'string') return fail(spec, describe(v));
      if (v.trim() === '' && !spec.allowEmpty) return fail(spec, JSON.stringify(v));
      const wrong = spec.check?.(v);
      if (wrong !== undefined) return { ok: false, message: `expected ${wrong}, got ${JSON.stringify(v)}` };
      return { ok: true, value: v };
    }
    case 'path': {
      if (typeof v !== 'string') return fail(spec, describe(v));
      if (v.trim() === '' && !(spec.allowEmpty && v === '')) return fail(spec, JSON.stringify(v));
      if (v.includes('\0')) return fail(spec, 'a string containing a NUL character');
      return { ok: true, value: v };
    }
  }
}

/** Validates the whole parsed document; records a 'file' origin for every accepted key. */
export function validateDocument(root: Record<string, unknown>, spec: TableSpec, c: Collector): Draft {
  return validateTable(spec, root, [], c) ?? Object.create(null);
}

function validate(spec: Spec, v: unknown, path: KeyPath, c: Collector): unknown {
  switch (spec.kind) {
    case 'table':
      return validateTable(spec, v, path, c);
    case 'table-array':
      return validateTableArray(spec, v, path, c);
    case 'string-map':
      return validateStringMap(spec, v, path, c);
    default: {
      const r = checkLeaf(spec, v);
      if (!r.ok) {
        c.inFile(path, r.message);
        return undefined;
      }
      c.origins.set(formatKey(path), { kind: 'file' });
      return r.value;
    }
  }
}

/** `[api]`, `[[api.methods]]` element, or "the top level": how a message names a table. */
function tableName(path: KeyPath): string {
  if (path.length === 0) return 'the top level';
  const last = path[path.length - 1];
  return typeof last === 'number' ? `[[${formatKey(path.slice(0, -1))}]]` : `[${formatKey(path)}]`;
}

function validateTable(spec: TableSpec, v: unknown, path: KeyPath, c: Collector): Draft | undefined {
  if (!isTable(v)) {
    c.inFile(path, `expected a table ${tableName(path)}, got ${describe(v)}`);
    return undefined;
  }
  const known = Object.keys(spec.fields);
  const out: Draft = Object.create(null);
  for (const key of Object.keys(v)) {
    const child = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    if (child === undefined) {
      const near = closest(key, known);
      const guess = near === undefined ? '' : ` (did you mean ${near}?)`;
      if (spec.lenient) {
        c.warn(
          [...path, key],
          `unknown key in ${tableName(path)}${guess}, ignored; this build knows ${known.join(', ')} ` +
            `(the section follows the product brief, whose later keys are accepted with a warning; see docs/config.md)`,
        );
      } else {
        const accepted =
          path.length === 0 ? `the sections are ${known.join(', ')}` : `${tableName(path)} accepts ${known.join(', ')}`;
        c.inFile([...path, key], `${path.length === 0 ? 'unknown section' : 'unknown key'}${guess}; ${accepted}`);
      }
      continue;
    }
    const value = validate(child, v[key], [...path, key], c);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function validateTableArray(spec: TableArraySpec, v: unknown, path: KeyPath, c: Collector): Draft[] | undefined {
  if (!Array.isArray(v)) {
    c.inFile(path, `expected an array of tables ([[${formatKey(path)}]]), got ${describe(v)}`);
    return undefined;
  }
  const out: Draft[] = [];
  let complete = true;
  v.forEach((element, i) => {
    const item = validateTable(spec.item, element, [...path, i], c);
    if (item === undefined) {
      complete = false;
      return;
    }
    for (const key of spec.required) {
      if (item[key] !== undefined) continue;
      complete = false;
      if (isTable(element) && Object.hasOwn(element, key)) continue; // its own problem is already reported
      const field = spec.item.fields[key] as LeafSpec;
      c.inFile([...path, i, key], `missing; expected ${expectedOf(field)}`);
    }
    out.push(item);
  });
  if (complete) c.origins.set(formatKey(path), { kind: 'file' });
  return out;
}

function validateStringMap(
  spec: StringMapSpec,
  v: unknown,
  path: KeyPath,
  c: Collector,
): Record<string, string> | undefined {
  if (!isTable(v)) {
    c.inFile(path, `expected a table [${formatKey(path)}] of name = "${spec.what}" pairs, got ${describe(v)}`);
    return undefined;
  }
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (key === '') c.inFile([...path, key], 'expected a non-empty table name as the key');
    else if (typeof value !== 'string' || value.trim() === '') {
      c.inFile([...path, key], `expected ${spec.what} (a non-empty string), got ${describe(value)}`);
    } else out[key] = value;
  }
  c.origins.set(formatKey(path), { kind: 'file' });
  return out;
}
