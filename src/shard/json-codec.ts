/**
 * The REST wire format, encoded once, in the shard: request bodies arrive as the client's JSON
 * bytes and results leave as the exact JSON body the coordinator forwards. Values map as the
 * contract's table says:
 *
 *   NULL → null · INTEGER → number, or a decimal string beyond ±(2^53−1) · REAL → number
 *   (NaN, ±Infinity → null) · TEXT → string · BLOB → {"base64": "..."}
 *
 * Parameters map back: a JSON integer binds INTEGER, a number with a fraction REAL, true/false
 * 1/0, {"base64": ...} a BLOB. Shape errors are BAD_REQUEST naming the field.
 */
import { badRequest } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { ExecResult, Params } from '../sql/index.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export function valueToJson(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return v > MAX_SAFE || v < MIN_SAFE ? `"${v}"` : v.toString();
    case 'number':
      // For a finite number JSON.stringify is ToString (same digits, -0 → "0"): String skips the serializer.
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
      return JSON.stringify(v);
    default:
      return `{"base64":"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"}`;
  }
}

/**
 * The first row as the generated REST API's resource object (`{"col":value,…}` in column order),
 * or '' when there is none. The same mapping as the coordinator's rowToJson (json-values.ts).
 */
export function firstRowToJson(r: ExecResult): string {
  const row = r.rows[0];
  if (row === undefined) return '';
  const keys = objectKeys.of(r.columns);
  let s = '';
  for (let j = 0; j < keys.length; j++) s += keys[j]! + valueToJson(row[j] ?? null);
  return keys.length === 0 ? '{}' : `${s}}`;
}

/**
 * A JSON rendering of the column names, kept for the names last seen (a copy): point reads of one
 * table repeat the same names request after request, so they are encoded again only when they
 * differ (compared by value: a caller may reuse and change an array).
 */
class ColumnsMemo<T> {
  private names: string[] = [];
  private value: T;
  constructor(private readonly render: (columns: readonly string[]) => T) {
    this.value = render([]);
  }
  of(columns: readonly string[]): T {
    let same = columns.length === this.names.length;
    for (let i = 0; same && i < columns.length; i++) same = columns[i] === this.names[i];
    if (!same) {
      this.value = this.render(columns);
      this.names = columns.slice();
    }
    return this.value;
  }
}

/** `["id","name"]`: the `/v1/sql` header. */
const arrayJson = new ColumnsMemo((columns) => JSON.stringify(columns));
/** `{"id":`, `,"name":`: each member's opening, for a row as a resource object. */
const objectKeys = new ColumnsMemo((columns) => columns.map((c, j) => `${j ? ',' : '{'}${JSON.stringify(c)}:`));

/** The `/v1/sql` result body. */
export function resultToJson(r: ExecResult): string {
  const last = r.lastInsertId === null ? 'null' : valueToJson(r.lastInsertId);
  return `{"columns":${arrayJson.of(r.columns)},"rows":[${rowsToJson(r.rows)}],"rows_affected":${r.rowsAffected},"last_insert_id":${last}}`;
}

/** Rows as the body's row arrays joined by commas (what goes between `"rows":[` and `]`). */
export function rowsToJson(rows: readonly (readonly Value[])[]): string {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let s = '[';
    for (let j = 0; j < row.length; j++) s += (j ? ',' : '') + valueToJson(row[j]!);
    out += (i ? ',' : '') + s + ']';
  }
  return out;
}

export function paramValue(v: unknown, where: string): Value {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw badRequest(`${where}: numbers must be finite`);
      return Number.isInteger(v) ? BigInt(v) : v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'string':
      return v;
    case 'object': {
      const o = v as Record<string, unknown>;
      if (!Array.isArray(o) && Object.keys(o).length === 1 && typeof o['base64'] === 'string') {
        return new Uint8Array(Buffer.from(o['base64'], 'base64'));
      }
      break;
    }
  }
  throw badRequest(`${where}: expected null, a number, a string, a boolean or {"base64": "..."}, got ${JSON.stringify(v)?.slice(0, 60) ?? typeof v}`);
}

export function paramsFromJson(p: unknown, where: string): Params {
  if (p === undefined || p === null) return [];
  if (Array.isArray(p)) return p.map((v, i) => paramValue(v, `${where}[${i}]`));
  if (typeof p === 'object') {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) out[k.replace(/^[:@$]/, '')] = paramValue(v, `${where}.${k}`);
    return out;
  }
  throw badRequest(`${where}: expected an array (for ? parameters) or an object (for :name parameters)`);
}

export interface SqlBody {
  sql: string;
  params: Params;
}

/** Validates a `/v1/sql`-shaped object: `{"sql": string, "params"?: array | object}`. */
export function sqlBody(o: unknown, where: string): SqlBody {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw badRequest(`${where}: expected a JSON object with "sql"`);
  const b = o as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'sql' && k !== 'params') throw badRequest(`${where}: unknown field ${JSON.stringify(k)} (expected "sql" and "params")`);
  if (typeof b['sql'] !== 'string') throw badRequest(`${where}: "sql" must be a string`);
  return { sql: b['sql'], params: paramsFromJson(b['params'], `${where}.params`) };
}

export interface BatchBody {
  statements: SqlBody[];
  transaction: boolean;
}

export function batchBody(o: unknown): BatchBody {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw badRequest('body: expected a JSON object with "statements"');
  const b = o as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'statements' && k !== 'transaction') throw badRequest(`body: unknown field ${JSON.stringify(k)} (expected "statements" and "transaction")`);
  if (!Array.isArray(b['statements'])) throw badRequest('body: "statements" must be an array');
  if (b['transaction'] !== undefined && typeof b['transaction'] !== 'boolean') throw badRequest('body: "transaction" must be true or false');
  return {
    statements: b['statements'].map((s, i) => sqlBody(s, `statements[${i}]`)),
    transaction: b['transaction'] !== false,
  };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
}
