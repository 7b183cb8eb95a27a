/**
 * The OpenAPI 3.1 document of the REST API (`GET /v1/openapi.json`): the static endpoints of the
 * contract and, per table, the generated resource routes with row schemas typed from the
 * columns. Column schemas follow the contract's value table (INTEGER: number, or a decimal
 * string beyond 2^53; BLOB: {"base64"}; a nullable column also admits null). SQLite stores any
 * value in any column, so the schemas describe the declared types, not a guarantee.
 */
import type { ColumnModel, MethodModel, TableModel } from './api-model.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './operations.js';
import { nullableInMessage, omittable, type ProtoScalar } from './proto-types.js';
import { RESERVED_COLLECTIONS } from './rest-resource.js';

export interface OpenApiOptions {
  version: string;
  /** Server URLs to list, e.g. `http://127.0.0.1:8080`. */
  servers?: string[];
}

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const errorRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });

const ERROR_CODES = ['SQL_SYNTAX', 'SQL_ERROR', 'BAD_REQUEST', 'NOT_FOUND', 'TX_NOT_FOUND', 'CONSTRAINT', 'SERIALIZATION_FAILURE', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAVAILABLE', 'INTERNAL'];

function scalarSchema(s: ProtoScalar): Json {
  switch (s) {
    case 'int64': return { type: ['integer', 'string'], pattern: '^-?[0-9]+$', description: 'INTEGER: a number, or a decimal string beyond ±(2^53−1)' };
    case 'double': return { type: ['number', 'null'], description: 'REAL (NaN and ±Infinity read as null)' };
    case 'string': return { type: 'string' };
    case 'bytes': return ref('Blob');
    case 'bool': return { type: ['integer', 'boolean'], description: 'BOOLEAN: stored as 1/0; true/false accepted' };
  }
}

function columnSchema(c: ColumnModel, nullable: boolean): Json {
  const s = scalarSchema(c.scalar);
  const desc = `${c.name} ${c.declaredType || '(no type)'}${c.primaryKey ? ' PRIMARY KEY' : ''}${c.nullable ? '' : ' NOT NULL'}${c.hasDefault ? ' DEFAULT …' : ''}`;
  return nullable ? { anyOf: [s, { type: 'null' }], description: desc } : { ...s, description: desc };
}

/** Component names are qualified by table (`orders.Order`): two tables may share a singular. */
const schemaName = (m: TableModel): string => `${m.pkg}.${m.message || 'Row'}`.replace(/[^A-Za-z0-9._-]/g, '_');

function rowSchema(m: TableModel, mode: 'row' | 'create' | 'patch'): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const c of m.columns) {
    properties[c.name] = columnSchema(c, mode === 'row' ? nullableInMessage(c) : c.nullable);
    if ((mode === 'row' && !nullableInMessage(c)) || (mode === 'create' && !omittable(c))) required.push(c.name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

const STD_ERRORS = { '400': errorRef('BadRequest'), '409': errorRef('Conflict'), '413': errorRef('PayloadTooLarge'), '415': errorRef('UnsupportedMediaType'), '500': errorRef('Internal'), '503': errorRef('Unavailable') };

function staticPaths(): Json {
  const sqlBody = { required: true, content: { 'application/json': { schema: ref('SqlRequest') } } };
  return {
    '/health': { get: { operationId: 'health', summary: 'Liveness', responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] }, 'the process lives') } } },
    '/ready': { get: { operationId: 'ready', summary: 'Readiness: every shard recovered and taking work', responses: { '200': json({ type: 'object', properties: { status: { type: 'string' } } }, 'ready'), '503': errorRef('Unavailable') } } },
    '/v1/sql': { post: { operationId: 'executeSql', summary: 'Run one SQL statement', requestBody: sqlBody, responses: { '200': json(ref('SqlResult'), 'the result'), ...STD_ERRORS } } },
    '/v1/batch': { post: { operationId: 'executeBatch', summary: 'Run a list of statements, atomically by default', requestBody: { required: true, content: { 'application/json': { schema: ref('BatchRequest') } } }, responses: { '200': json({ type: 'object', properties: { results: { type: 'array', items: ref('SqlResult') } }, required: ['results'] }, 'one result per statement'), ...STD_ERRORS } } },
    '/v1/tx': { post: { operationId: 'beginTransaction', summary: 'Begin an interactive (serializable) transaction', requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { timeout_ms: { type: 'integer', minimum: 1 } }, additionalProperties: false } } } }, responses: { '201': json({ type: 'object', properties: { tx_id: { type: 'string' } }, required: ['tx_id'] }, 'the transaction'), ...STD_ERRORS } } },
    '/v1/tx/{tx_id}/sql': { parameters: [txParam()], post: { operationId: 'executeInTransaction', requestBody: sqlBody, responses: { '200': json(ref('SqlResult'), 'the result'), '404': errorRef('NotFound'), ...STD_ERRORS } } },
    '/v1/tx/{tx_id}/commit': { parameters: [txParam()], post: { operationId: 'commitTransaction', responses: { '200': json({ type: 'object', properties: { committed: { const: true } }, required: ['committed'] }, 'committed'), '404': errorRef('NotFound'), ...STD_ERRORS } } },
    '/v1/tx/{tx_id}/rollback': { parameters: [txParam()], post: { operationId: 'rollbackTransaction', responses: { '200': json({ type: 'object', properties: { rolled_back: { const: true } }, required: ['rolled_back'] }, 'rolled back'), '404': errorRef('NotFound'), ...STD_ERRORS } } },
    '/v1/schema': { get: { operationId: 'getSchema', summary: 'The catalog: tables, columns, indexes, shard keys', responses: { '200': json({ type: 'object', properties: { tables: { type: 'array', items: { type: 'object' } } }, required: ['tables'] }, 'the catalog'), '500': errorRef('Internal') } } },
    '/v1/protos': { get: { operationId: 'listProtos', summary: 'The .proto files of the gRPC API', responses: { '200': json({ type: 'object', properties: { files: { type: 'array', items: { type: 'string' } } }, required: ['files'] }, 'file names') } } },
    '/v1/protos/{file}': { get: { operationId: 'getProto', parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' }, description: 'a name from /v1/protos (slashes percent-encoded)' }], responses: { '200': { description: 'the file, ready for protoc', content: { 'text/plain': { schema: { type: 'string' } } } }, '404': errorRef('NotFound') } } },
    '/v1/openapi.json': { get: { operationId: 'getOpenApi', responses: { '200': json({ type: 'object' }, 'this document') } } },
  };
}

function txParam(): Json {
  return { name: 'tx_id', in: 'path', required: true, schema: { type: 'string' } };
}

function schemas(): Json {
  const value = { description: 'A SQL value (see the contract\'s value table)', anyOf: [{ type: 'null' }, { type: 'number' }, { type: 'string' }, { type: 'boolean' }, ref('Blob')] };
  const params = { description: 'an array for ? and ?NNN, an object for :name, @name, $name', anyOf: [{ type: 'array', items: ref('Value') }, { type: 'object', additionalProperties: ref('Value') }] };
  return {
    Blob: { type: 'object', properties: { base64: { type: 'string', contentEncoding: 'base64' } }, required: ['base64'], additionalProperties: false },
    Value: value,
    SqlRequest: { type: 'object', properties: { sql: { type: 'string' }, params }, required: ['sql'] },
    SqlResult: {
      type: 'object', required: ['columns', 'rows', 'rows_affected', 'last_insert_id'],
      properties: { columns: { type: 'array', items: { type: 'string' } }, rows: { type: 'array', items: { type: 'array', items: ref('Value') } }, rows_affected: { type: 'integer' }, last_insert_id: { type: ['integer', 'string', 'null'] } },
    },
    BatchRequest: { type: 'object', properties: { statements: { type: 'array', items: ref('SqlRequest') }, transaction: { type: 'boolean', default: true } }, required: ['statements'] },
    Error: {
      type: 'object', required: ['error'],
      properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { enum: ERROR_CODES }, message: { type: 'string' } } } },
    },
  };
}

function errorResponses(): Json {
  const e = (d: string): Json => json(ref('Error'), d);
  return {
    BadRequest: e('SQL_SYNTAX, SQL_ERROR or BAD_REQUEST'), NotFound: e('NOT_FOUND or TX_NOT_FOUND'), Conflict: e('CONSTRAINT or SERIALIZATION_FAILURE'),
    PayloadTooLarge: e('PAYLOAD_TOO_LARGE'), UnsupportedMediaType: e('UNSUPPORTED_MEDIA_TYPE'), Internal: e('INTERNAL (the message carries the request id)'),
    Unavailable: { ...e('UNAVAILABLE: not ready, draining or overloaded'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
  };
}

function methodPath(m: TableModel, cm: MethodModel): Json {
  const properties: Json = {};
  for (const f of cm.fields) properties[f.name] = { anyOf: [scalarSchema(f.scalar), { type: 'null' }] };
  const ok = cm.returns === 'row' ? json(ref(schemaName(m)), 'the row')
    : cm.returns === 'rows' ? json({ type: 'object', properties: { [m.pkg]: { type: 'array', items: ref(schemaName(m)) } }, required: [m.pkg] }, 'the rows')
      : json({ type: 'object', additionalProperties: false }, 'done');
  return {
    post: {
      operationId: `${m.pkg}_${cm.restVerb}`, tags: [m.pkg], summary: `Custom method ${cm.name}`, description: `Runs: ${cm.sql}`,
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties, additionalProperties: false } } } },
      responses: { '200': ok, ...(cm.returns === 'row' ? { '404': errorRef('NotFound') } : {}), ...STD_ERRORS },
    },
  };
}

function tablePaths(m: TableModel, paths: Json): void {
  const base = `/v1/${encodeURIComponent(m.pkg)}`;
  const filters = m.columns.filter((c) => !['page_size', 'page_token', 'order_by'].includes(c.name)).map((c) => ({
    name: c.name, in: 'query', required: false, schema: { type: 'string' }, description: `equality filter on ${c.name} (${c.declaredType || 'no type'})`,
  }));
  paths[base] = {
    get: {
      operationId: `list_${m.pkg}`, tags: [m.pkg], summary: `List ${m.pkg} (keyset pages, AIP-132/158)`,
      parameters: [
        { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 0, default: DEFAULT_PAGE_SIZE }, description: `0 → ${DEFAULT_PAGE_SIZE}; capped at ${MAX_PAGE_SIZE}` },
        { name: 'page_token', in: 'query', schema: { type: 'string' }, description: 'next_page_token of the previous page, with the same filters and order_by' },
        { name: 'order_by', in: 'query', schema: { type: 'string' }, description: 'e.g. "created_at desc, id"' },
        ...filters,
      ],
      responses: { '200': json({ type: 'object', properties: { [m.pkg]: { type: 'array', items: ref(schemaName(m)) }, next_page_token: { type: 'string' } }, required: [m.pkg, 'next_page_token'] }, 'a page; next_page_token is "" on the last'), ...STD_ERRORS },
    },
    post: {
      operationId: `create_${m.pkg}`, tags: [m.pkg], summary: `Create a row of ${m.pkg}`,
      requestBody: { required: true, content: { 'application/json': { schema: ref(`${schemaName(m)}Create`) } } },
      responses: { '201': json(ref(schemaName(m)), 'the stored row, generated key and defaults filled in'), ...STD_ERRORS },
    },
  };
  if (m.pk) {
    const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: `the primary key ${m.pk.name}` };
    paths[`${base}/{id}`] = {
      parameters: [idParam],
      get: { operationId: `get_${m.pkg}`, tags: [m.pkg], responses: { '200': json(ref(schemaName(m)), 'the row'), '404': errorRef('NotFound'), ...STD_ERRORS } },
      patch: {
        operationId: `update_${m.pkg}`, tags: [m.pkg], summary: 'Change the columns given in the body',
        requestBody: { required: true, content: { 'application/json': { schema: ref(`${schemaName(m)}Patch`) } } },
        responses: { '200': json(ref(schemaName(m)), 'the updated row'), '404': errorRef('NotFound'), ...STD_ERRORS },
      },
      delete: { operationId: `delete_${m.pkg}`, tags: [m.pkg], responses: { '200': json({ type: 'object', additionalProperties: false }, 'deleted'), '404': errorRef('NotFound'), ...STD_ERRORS } },
    };
  }
  for (const cm of m.methods) paths[`${base}:${cm.restVerb}`] = methodPath(m, cm);
}

export function generateOpenApi(models: readonly TableModel[], opts: OpenApiOptions): Json {
  const paths = staticPaths();
  const all = schemas();
  const routed = models.filter((m) => !RESERVED_COLLECTIONS.has(m.pkg.toLowerCase()));
  for (const m of routed) {
    tablePaths(m, paths);
    all[schemaName(m)] = rowSchema(m, 'row');
    all[`${schemaName(m)}Create`] = rowSchema(m, 'create');
    all[`${schemaName(m)}Patch`] = rowSchema(m, 'patch');
  }
  return {
    openapi: '3.1.0',
    info: { title: 'HeliosDB-Lite REST API', version: opts.version, description: 'SQL over HTTP plus resource routes generated from the schema.' },
    ...(opts.servers?.length ? { servers: opts.servers.map((url) => ({ url })) } : {}),
    tags: routed.map((m) => ({ name: m.pkg, description: `Resource routes of table ${m.pkg}` })),
    paths,
    components: { schemas: all, responses: errorResponses() },
  };
}
