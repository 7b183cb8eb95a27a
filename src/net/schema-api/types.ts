/**
 * The plain description of the schema that every generator in this folder works from. The lead
 * builds it from the SQL catalog (`src/sql/catalog.ts`) plus the `[[api.methods]]` of the TOML
 * file; nothing here reads the catalog itself, so the generators stay pure and testable.
 */
import type { RowProtoReply } from '../../coordinator/index.js';

/** One column. `fieldNumber` is what keeps generated protobuf numbering stable. */
export interface ApiColumn {
  name: string;
  /** The declared SQL type text (`INTEGER`, `VARCHAR(20)`, `` for none). */
  declaredType: string;
  /** The column's 1-based ordinal at creation; never reused, never renumbered. */
  fieldNumber: number;
  nullable: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
  autoIncrement: boolean;
}

export interface ApiIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface ApiTable {
  name: string;
  columns: ApiColumn[];
  /** The single-column primary key; null for none or a composite one (no item routes then). */
  primaryKey: string | null;
  indexes: ApiIndex[];
  shardKey: string | null;
}

/** A custom method from `[[api.methods]]`. */
export interface ApiMethod {
  table: string;
  /** PascalCase RPC name, e.g. `UpdateOrderStatus`. */
  name: string;
  sql: string;
}

export interface ApiSchema {
  tables: ApiTable[];
  methods: ApiMethod[];
}

/** SQLite's five storage classes, as `src/storage/api.ts` represents them. */
export type ApiValue = null | bigint | number | string | Uint8Array;

export interface ExecResult {
  columns: string[];
  rows: ApiValue[][];
  rowsAffected: number;
}

/** Runs one statement with positional parameters (`?` / `?NNN`); injected by the server. */
export type ExecFn = (sql: string, params: ApiValue[]) => Promise<ExecResult>;

/**
 * {@link ExecFn} whose reply may come back already encoded by the shard as the REST resource
 * body (the fragment protocol's `row-json`: the first row as a JSON object, no bytes when there
 * is no row); values come back when the statement did not run on one partition alone.
 */
export type ExecRowJsonFn = (sql: string, params: ApiValue[], pagesTried?: boolean) => Promise<ExecResult | Uint8Array>;

/** {@link ExecRowJsonFn}'s body when it is at hand synchronously (a point read); else undefined. */
export type ExecRowJsonNowFn = (sql: string, params: ApiValue[]) => Uint8Array | undefined;

/**
 * {@link ExecFn} whose reply may come back already encoded by the shard as a gRPC table message
 * in the `reply` layout (the fragment protocol's `row-proto`: a marker byte and the message, no
 * bytes when there is no row); values come back when the statement did not run on one
 * partition alone.
 */
export type ExecRowProtoFn = (sql: string, params: ApiValue[], reply: RowProtoReply, pagesTried?: boolean) => Promise<ExecResult | Uint8Array>;

/** {@link ExecRowProtoFn}'s message when it is at hand synchronously (a point read); else undefined. */
export type ExecRowProtoNowFn = (sql: string, params: ApiValue[], reply: RowProtoReply) => Uint8Array | undefined;

/** One SQL statement with its positional parameters. */
export interface SqlStatement {
  sql: string;
  params: ApiValue[];
}
