/**
 * The `heliosdb.v1` gRPC messages (proto/heliosdb/v1/database.proto), read and written by the
 * shard directly in protobuf — encode once: grpc-js on the coordinator is registered with
 * identity (de)serializers and forwards these bytes untouched.
 *
 *   Value { oneof kind { bool null_value = 1; int64 integer_value = 2; double real_value = 3;
 *                        string text_value = 4; bytes blob_value = 5; } }   (no kind set = NULL)
 *   Row { repeated Value values = 1; }
 *   ExecuteRequest / QueryRequest { string sql = 1; repeated Value params = 2;
 *                                   map<string, Value> named_params = 3; string tx_id = 4; }
 *   ExecuteResponse { repeated string columns = 1; repeated Row rows = 2; int64 rows_affected = 3;
 *                     optional int64 last_insert_id = 4; }
 *   QueryResponse { repeated string columns = 1; repeated Row rows = 2; }
 *   Statement { string sql = 1; repeated Value params = 2; map<string, Value> named_params = 3; }
 *   BatchRequest { repeated Statement statements = 1; optional bool transaction = 2; }
 *   BatchResponse { repeated ExecuteResponse results = 1; }
 */
import { badRequest } from '../errors.js';
import type { Value } from '../storage/api.js';
import { ProtoReader, ProtoWriter, WIRE_LEN, WIRE_VARINT } from './protobuf-wire.js';

export type WireParams = Value[] | Record<string, Value>;

/** The shape of a statement result (the SQL engine's ExecResult). */
export interface ResultLike {
  columns: readonly string[];
  rows: readonly (readonly Value[])[];
  rowsAffected: number;
  lastInsertId: bigint | null;
}

export interface StatementMsg {
  sql: string;
  params: WireParams;
  txId: string;
}

export function writeValue(w: ProtoWriter, field: number, v: Value): void {
  w.message(field, (m) => {
    if (v === null) m.bool(1, true);
    else if (typeof v === 'bigint') m.int64(2, v);
    else if (typeof v === 'number') {
      if (Number.isNaN(v)) m.bool(1, true);
      else m.double(3, v);
    } else if (typeof v === 'string') m.string(4, v);
    else m.bytes(5, v);
  });
}

export function readValue(r: ProtoReader): Value {
  let v: Value = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_VARINT) {
      r.varint();
      v = null;
    } else if (field === 2 && wire === WIRE_VARINT) v = r.varint64();
    else if (field === 3 && wire === 1) v = r.double();
    else if (field === 4 && wire === WIRE_LEN) v = r.string();
    else if (field === 5 && wire === WIRE_LEN) v = r.bytes();
    else r.skip(wire);
  }
  return v;
}

function readMapEntry(r: ProtoReader): [string, Value] {
  let key = '';
  let value: Value = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) key = r.string();
    else if (field === 2 && wire === WIRE_LEN) value = readValue(r.sub());
    else r.skip(wire);
  }
  return [key.replace(/^[:@$]/, ''), value];
}

/** Reads an ExecuteRequest, QueryRequest or Statement. */
export function readStatement(r: ProtoReader): StatementMsg {
  let sql: string | undefined;
  const positional: Value[] = [];
  let named: Record<string, Value> | undefined;
  let txId = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) sql = r.string();
    else if (field === 2 && wire === WIRE_LEN) positional.push(readValue(r.sub()));
    else if (field === 3 && wire === WIRE_LEN) {
      const [k, v] = readMapEntry(r.sub());
      (named ??= Object.create(null) as Record<string, Value>)[k] = v;
    } else if (field === 4 && wire === WIRE_LEN) txId = r.string();
    else r.skip(wire);
  }
  if (sql === undefined || sql.trim() === '') throw badRequest('request: "sql" is required');
  if (named && positional.length) throw badRequest('request: use either params (for ?) or named_params (for :name), not both');
  return { sql, params: named ?? positional, txId };
}

export function decodeStatement(bytes: Uint8Array): StatementMsg {
  return readStatement(new ProtoReader(bytes));
}

export interface BatchMsg {
  statements: StatementMsg[];
  transaction: boolean;
}

export function decodeBatch(bytes: Uint8Array): BatchMsg {
  const r = new ProtoReader(bytes);
  const statements: StatementMsg[] = [];
  let transaction = true;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) statements.push(readStatement(r.sub()));
    else if (field === 2 && wire === WIRE_VARINT) transaction = r.varint() !== 0;
    else r.skip(wire);
  }
  return { statements, transaction };
}

function writeRows(w: ProtoWriter, rows: readonly (readonly Value[])[]): void {
  for (const row of rows) {
    w.message(2, (m) => {
      for (const v of row) writeValue(m, 1, v);
    });
  }
}

function writeResultBody(w: ProtoWriter, r: ResultLike): void {
  for (const c of r.columns) w.string(1, c);
  writeRows(w, r.rows);
  writeTrailer(w, r.rowsAffected, r.lastInsertId);
}

function writeTrailer(w: ProtoWriter, rowsAffected: number, lastInsertId: bigint | null): void {
  if (rowsAffected !== 0) w.int64(3, BigInt(rowsAffected));
  if (lastInsertId !== null) w.int64(4, lastInsertId);
}

/**
 * The three slices of an ExecuteResponse, for splicing one from partitions' parts
 * (result-parts.ts): columns + every part's rows + trailer = {@link encodeExecuteResponse}.
 */
export function encodeColumnsOnly(columns: readonly string[]): Uint8Array {
  const w = new ProtoWriter();
  for (const c of columns) w.string(1, c);
  return w.finish();
}

export function encodeRowsOnly(rows: readonly (readonly Value[])[]): Uint8Array {
  const w = new ProtoWriter();
  writeRows(w, rows);
  return w.finish();
}

export function encodeResultTrailer(rowsAffected: number, lastInsertId: bigint | null): Uint8Array {
  const w = new ProtoWriter();
  writeTrailer(w, rowsAffected, lastInsertId);
  return w.finish();
}

export function encodeExecuteResponse(r: ResultLike): Uint8Array {
  const w = new ProtoWriter();
  writeResultBody(w, r);
  return w.finish();
}

export function encodeBatchResponse(results: readonly ResultLike[]): Uint8Array {
  const w = new ProtoWriter();
  for (const r of results) w.message(1, (m) => writeResultBody(m, r));
  return w.finish();
}

/** One QueryResponse message: the columns (first message only) and a run of rows. */
export function encodeQueryResponse(columns: readonly string[] | null, rows: readonly (readonly Value[])[]): Uint8Array {
  const w = new ProtoWriter();
  if (columns) for (const c of columns) w.string(1, c);
  writeRows(w, rows);
  return w.finish();
}

/** An ExecuteRequest with positional parameters (the coordinator's structured exec path). */
export function encodeExecuteRequest(sql: string, params: readonly Value[]): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, sql);
  for (const p of params) writeValue(w, 2, p);
  return w.finish();
}

/** Reads an ExecuteResponse (the inverse of {@link encodeExecuteResponse}). */
export function decodeExecuteResponse(bytes: Uint8Array): ResultLike & { rows: Value[][]; columns: string[] } {
  const r = new ProtoReader(bytes);
  const columns: string[] = [];
  const rows: Value[][] = [];
  let rowsAffected = 0;
  let lastInsertId: bigint | null = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LEN) columns.push(r.string());
    else if (field === 2 && wire === WIRE_LEN) {
      const row: Value[] = [];
      const rr = r.sub();
      while (!rr.done) {
        const [f, w] = rr.tag();
        if (f === 1 && w === WIRE_LEN) row.push(readValue(rr.sub()));
        else rr.skip(w);
      }
      rows.push(row);
    } else if (field === 3 && wire === WIRE_VARINT) rowsAffected = Number(r.varint64());
    else if (field === 4 && wire === WIRE_VARINT) lastInsertId = r.varint64();
    else r.skip(wire);
  }
  return { columns, rows, rowsAffected, lastInsertId };
}
