/**
 * The REST resource API (contract "Resource API, generated from the schema"): matching a request
 * to a table's route, decoding it into an {@link Operation}, and shaping the result as JSON.
 *
 *   POST   /v1/<table>                 Create  → 201 the stored row
 *   GET    /v1/<table>/{id}            Get     → 200 the row | 404
 *   GET    /v1/<table>?page_size&page_token&order_by&<col>=<v>…
 *                                      List    → 200 {"<table>": [...], "next_page_token": ""}
 *   PATCH  /v1/<table>/{id}            Update  → 200 the updated row | 404
 *   DELETE /v1/<table>/{id}            Delete  → 200 {} | 404
 *   POST   /v1/<table>:<methodVerb>    custom  → 200 the row | {"<table>": [...]} | {}
 *
 * Path segments are percent-decoded here. Query filter values and ids are strings, converted by
 * the column's type (an INTEGER column needs an integer, a BLOB column base64); bodies are JSON
 * values per json-values.ts. Collections named like a static route (sql, batch, tx, schema,
 * protos, status, openapi.json) are not routed: the static route wins.
 */
import { badRequest, notFound } from '../../errors.js';
import type { ColumnModel, MethodModel, TableModel } from './api-model.js';
import { jsonToValue, rowToJson, valueToJson } from './json-values.js';
import type { Operation, OperationResult } from './operations.js';
import type { ApiValue } from './types.js';

/** First path segments under /v1 that belong to static routes. */
export const RESERVED_COLLECTIONS: ReadonlySet<string> = new Set(['sql', 'batch', 'tx', 'schema', 'protos', 'status', 'openapi.json']);

export interface RestRequest {
  method: string;
  /** The raw path, e.g. `/v1/orders/42` (percent-encoded as received). */
  path: string;
  /** Query parameters, decoded; a repeated parameter is an array. */
  query: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined for GET/DELETE). */
  body: unknown;
}

export interface RestReply {
  status: number;
  body: unknown;
  /** The body already encoded as JSON (by the shard: encode once); sent instead of `body`. */
  raw?: Uint8Array;
}

export type RouteMatch =
  | { model: TableModel; kind: 'collection' }
  | { model: TableModel; kind: 'item'; id: string }
  | { model: TableModel; kind: 'custom'; method: MethodModel };

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw badRequest(`path segment ${JSON.stringify(seg)} is not valid percent-encoding`);
  }
}

/** The resource route a path names, or null when it is not one (the caller answers 404). */
export function matchResourceRoute(models: readonly TableModel[], path: string): RouteMatch | null {
  if (!path.startsWith('/v1/')) return null;
  const rest = path.slice(4).replace(/\/$/, '');
  const slash = rest.indexOf('/');
  const head = slash < 0 ? rest : rest.slice(0, slash);
  const colon = head.lastIndexOf(':');
  const collection = decode(colon < 0 ? head : head.slice(0, colon));
  if (RESERVED_COLLECTIONS.has(collection.toLowerCase())) return null;
  const model = models.find((m) => m.pkg.toLowerCase() === collection.toLowerCase());
  if (!model) return null;
  if (colon >= 0) {
    if (slash >= 0) return null;
    const verb = decode(head.slice(colon + 1));
    const method = model.methods.find((x) => x.restVerb === verb);
    return method ? { model, kind: 'custom', method } : null;
  }
  if (slash < 0) return { model, kind: 'collection' };
  const id = rest.slice(slash + 1);
  if (id === '' || id.includes('/')) return null;
  return { model, kind: 'item', id: decode(id) };
}

/** A URL string (id or filter) as the value of a column of this type. */
export function urlValue(c: ColumnModel, s: string, where: string): ApiValue {
  switch (c.scalar) {
    case 'int64': {
      if (!/^[+-]?\d+$/.test(s)) throw badRequest(`${where}: ${JSON.stringify(s)} is not an integer (column ${c.name} is ${c.declaredType || 'untyped'})`);
      const n = BigInt(s);
      if (n < -(2n ** 63n) || n >= 2n ** 63n) throw badRequest(`${where}: ${s} is outside the 64-bit integer range`);
      return n;
    }
    case 'double': {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw badRequest(`${where}: ${JSON.stringify(s)} is not a number`);
      return n;
    }
    case 'bool':
      if (s === 'true' || s === '1') return 1n;
      if (s === 'false' || s === '0') return 0n;
      throw badRequest(`${where}: ${JSON.stringify(s)} is not true or false`);
    case 'bytes':
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw badRequest(`${where}: ${JSON.stringify(s)} is not base64`);
      return new Uint8Array(Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64'));
    case 'string':
      return s;
  }
}

function bodyObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`${what}: the body must be a JSON object`);
  return body as Record<string, unknown>;
}

function bodyColumns(m: TableModel, body: unknown, what: string): [string, ApiValue][] {
  return Object.entries(bodyObject(body, what)).map(([k, v]) => {
    const c = m.columns.find((x) => x.name.toLowerCase() === k.toLowerCase());
    if (!c) throw badRequest(`${what}: no column ${JSON.stringify(k)} in ${m.pkg}`);
    return [c.name, jsonToValue(v, `${what}: column ${c.name}`)];
  });
}

function single(query: RestRequest['query'], name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw badRequest(`query parameter ${name} is given ${v.length} times`);
  return v;
}

function itemId(m: TableModel, id: string): ApiValue {
  if (!m.pk) throw notFound(`table ${m.pkg} has no single-column primary key, so its rows have no resource names`);
  return urlValue(m.pk, id, `${m.pkg} id`);
}

/** The operation a matched request asks for; BAD_REQUEST for malformed input, NOT_FOUND for a wrong method. */
export function restOperation(match: RouteMatch, req: RestRequest): Operation {
  const m = match.model;
  const method = req.method.toUpperCase();
  const wrongMethod = () => notFound(`no route for ${method} ${req.path}`);
  if (match.kind === 'custom') {
    if (method !== 'POST') throw wrongMethod();
    const body = req.body === undefined ? {} : bodyObject(req.body, match.method.name);
    const byName = new Map(Object.entries(body));
    for (const k of byName.keys()) {
      if (!match.method.fields.some((f) => f.name === k)) throw badRequest(`${match.method.name}: no parameter ${JSON.stringify(k)} (expected ${match.method.fields.map((f) => f.name).join(', ') || 'none'})`);
    }
    return { kind: 'custom', method: match.method, params: match.method.fields.map((f) => jsonToValue(byName.get(f.name) ?? null, `${match.method.name}: parameter ${f.name}`)) };
  }
  if (match.kind === 'collection') {
    if (method === 'POST') return { kind: 'create', values: bodyColumns(m, req.body, `create ${m.pkg}`) };
    if (method !== 'GET') throw wrongMethod();
    const filters: [string, ApiValue][] = [];
    for (const [k, v] of Object.entries(req.query)) {
      if (v === undefined || k === 'page_size' || k === 'page_token' || k === 'order_by') continue;
      const c = m.columns.find((x) => x.name.toLowerCase() === k.toLowerCase());
      if (!c) throw badRequest(`query parameter ${JSON.stringify(k)}: no column of that name in ${m.pkg} to filter on`);
      filters.push([c.name, urlValue(c, single(req.query, k)!, `filter ${c.name}`)]);
    }
    const size = single(req.query, 'page_size');
    if (size !== undefined && !/^\d+$/.test(size)) throw badRequest(`page_size must be a non-negative integer, got ${JSON.stringify(size)}`);
    return {
      kind: 'list', filters, orderBy: single(req.query, 'order_by') ?? '', pageToken: single(req.query, 'page_token') ?? '',
      pageSize: size === undefined ? 0 : Math.min(Number(size), Number.MAX_SAFE_INTEGER),
    };
  }
  const id = itemId(m, match.id);
  if (method === 'GET') return { kind: 'get', id };
  if (method === 'DELETE') return { kind: 'delete', id };
  if (method !== 'PATCH') throw wrongMethod();
  const set = bodyColumns(m, req.body, `update ${m.pkg}`).filter(([c, v]) => {
    if (c !== m.pk!.name) return true;
    // A client may send the row back whole: the key may be there if it is unchanged.
    if (String(valueToJson(v)) !== String(valueToJson(id))) throw badRequest(`update ${m.pkg}: the primary key ${c} cannot be changed (body has ${JSON.stringify(valueToJson(v))}, path has ${JSON.stringify(valueToJson(id))})`);
    return false;
  });
  return { kind: 'update', id, set };
}

/** The HTTP reply for an operation's result. */
export function restReply(m: TableModel, op: Operation, result: OperationResult): RestReply {
  const status = op.kind === 'create' ? 201 : 200;
  switch (result.kind) {
    case 'row':
      return { status, body: rowToJson(result.row) };
    case 'rows':
      return op.kind === 'list'
        ? { status, body: { [m.pkg]: result.rows.map(rowToJson), next_page_token: result.nextPageToken } }
        : { status, body: { [m.pkg]: result.rows.map(rowToJson) } };
    case 'empty':
      return { status, body: {} };
  }
}
