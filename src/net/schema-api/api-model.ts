/**
 * The generated API of one table, decided once and shared by every generator (proto text,
 * gRPC handlers, REST translation, OpenAPI): names, field types, field numbers, custom methods.
 *
 * Field numbers: every field named after a column carries the column's `fieldNumber` in every
 * message, so a column keeps its number for life whatever happens to other columns. The few
 * fields that are not columns (page_size, page_token, order_by, update_mask) sit at
 * {@link META_FIELD_BASE}+1…, far above any column ordinal a table will reach; column numbers
 * must stay below {@link META_FIELD_BASE} and outside protobuf's reserved 19000–19999.
 */
import { HeliosError } from '../../errors.js';
import { LIST_META_FIELDS, PROTO_IDENT, UPDATE_META_FIELDS, lowerCamel, messageName, pascalCase } from './naming.js';
import { protoScalarOf, type ProtoScalar } from './proto-types.js';
import { parseMethodSql, type ParsedMethodSql } from './sql-params.js';
import type { ApiColumn, ApiMethod, ApiSchema, ApiTable } from './types.js';

export const META_FIELD_BASE = 100000;
export const FIELD = { page_size: META_FIELD_BASE + 1, page_token: META_FIELD_BASE + 2, order_by: META_FIELD_BASE + 3, update_mask: META_FIELD_BASE + 1 } as const;

export interface ColumnModel extends ApiColumn {
  scalar: ProtoScalar;
}

export interface MethodModel {
  /** RPC name (PascalCase), e.g. `UpdateOrderStatus`. */
  name: string;
  /** The REST verb after the colon: `updateOrderStatus`. */
  restVerb: string;
  requestMessage: string;
  /** The SQL as declared in TOML. */
  sql: string;
  parsed: ParsedMethodSql;
  /** Request fields, numbered 1… in the order the parameters first appear. */
  fields: { name: string; scalar: ProtoScalar; number: number }[];
  /** `row`: the first row as the table message (NOT_FOUND if none); `rows`: all rows; `empty`. */
  returns: 'row' | 'rows' | 'empty';
  responseMessage: string;
}

export interface TableModel {
  table: ApiTable;
  columns: ColumnModel[];
  /** The proto package and the REST collection: the table name. */
  pkg: string;
  /** `Order`. */
  message: string;
  /** `Orders`: used in `ListOrders`. */
  plural: string;
  service: string;
  pk: ColumnModel | null;
  methods: MethodModel[];
  /** Why this table has no gRPC API (names that are not protobuf identifiers …), else null. */
  grpcProblem: string | null;
}

function tableGrpcProblem(t: ApiTable, message: string): string | null {
  if (!PROTO_IDENT.test(t.name)) return `table name ${JSON.stringify(t.name)} is not a protobuf identifier`;
  if (message === '' || !/^[A-Z]/.test(message)) return `table name ${JSON.stringify(t.name)} gives no usable message name`;
  for (const c of t.columns) {
    if (!PROTO_IDENT.test(c.name)) return `column name ${JSON.stringify(c.name)} is not a protobuf identifier`;
    if (c.fieldNumber >= 19000 && c.fieldNumber <= 19999) return `column ${c.name} has field number ${c.fieldNumber}, inside protobuf's reserved range 19000-19999`;
  }
  return null;
}

/** Builds the model of every table; throws SQL_ERROR for a schema no API can be built from. */
export function buildModels(schema: ApiSchema): TableModel[] {
  const byTable = new Map<string, ApiMethod[]>();
  for (const m of schema.methods) {
    if (!schema.tables.some((t) => t.name === m.table)) throw new HeliosError('SQL_ERROR', `custom method ${m.name}: no such table: ${m.table}`);
    byTable.set(m.table, [...(byTable.get(m.table) ?? []), m]);
  }
  return schema.tables.map((t) => tableModel(t, byTable.get(t.name) ?? []));
}

export function tableModel(t: ApiTable, methods: ApiMethod[]): TableModel {
  const seen = new Map<number, string>();
  for (const c of t.columns) {
    if (!Number.isInteger(c.fieldNumber) || c.fieldNumber < 1 || c.fieldNumber >= META_FIELD_BASE) {
      throw new HeliosError('SQL_ERROR', `table ${t.name}: column ${c.name} has field number ${c.fieldNumber}; it must be 1..${META_FIELD_BASE - 1}`);
    }
    const other = seen.get(c.fieldNumber);
    if (other !== undefined) throw new HeliosError('INTERNAL', `table ${t.name}: columns ${other} and ${c.name} share field number ${c.fieldNumber}`);
    seen.set(c.fieldNumber, c.name);
  }
  const columns = t.columns.map((c) => ({ ...c, scalar: protoScalarOf(c.declaredType) }));
  const message = messageName(t.name);
  const pk = t.primaryKey === null ? null : columns.find((c) => c.name === t.primaryKey) ?? null;
  if (t.primaryKey !== null && pk === null) throw new HeliosError('INTERNAL', `table ${t.name}: primary key ${t.primaryKey} is not a column`);
  const model: TableModel = {
    table: t, columns, pkg: t.name, message, plural: pascalCase(t.name), service: `${message}Service`, pk, methods: [],
    grpcProblem: tableGrpcProblem(t, message),
  };
  const taken = new Set([`Create${message}`, `Get${message}`, `List${model.plural}`, `Update${message}`, `Delete${message}`]);
  for (const m of methods) {
    if (!/^[A-Z][A-Za-z0-9_]*$/.test(m.name)) throw new HeliosError('SQL_ERROR', `custom method ${JSON.stringify(m.name)} on ${t.name}: the name must be PascalCase (a letter, then letters, digits or _)`);
    if (taken.has(m.name)) throw new HeliosError('SQL_ERROR', `custom method ${m.name} on ${t.name}: the name is already used by another method of ${model.service}`);
    taken.add(m.name);
    model.methods.push(methodModel(model, m));
  }
  return model;
}

function methodModel(model: TableModel, m: ApiMethod): MethodModel {
  const parsed = parseMethodSql(m.sql, m.name);
  const fields = parsed.params.map((p, i) => {
    const col = model.columns.find((c) => c.name.toLowerCase() === (p.column ?? p.name).toLowerCase())
      ?? model.columns.find((c) => c.name.toLowerCase() === p.name.toLowerCase());
    if (!col && p.integer) return { name: p.name, scalar: 'int64' as ProtoScalar, number: i + 1 };
    if (!col) {
      throw new HeliosError('SQL_ERROR', `custom method ${m.name}: cannot type parameter :${p.name}; compare it with a column of ${model.pkg} (col = :${p.name}) or name it after one`);
    }
    if (!PROTO_IDENT.test(p.name)) throw new HeliosError('SQL_ERROR', `custom method ${m.name}: parameter name ${p.name} is not a protobuf identifier`);
    return { name: p.name, scalar: col.scalar, number: i + 1 };
  });
  const returns = parsed.isSelect ? 'rows' : parsed.returnsRows ? 'row' : 'empty';
  if (parsed.isSelect && !parsed.returnsRows) {
    throw new HeliosError('SQL_ERROR', `custom method ${m.name}: a SELECT method must select whole rows (SELECT * FROM ${model.pkg} …)`);
  }
  return {
    name: m.name, restVerb: lowerCamel(m.name), requestMessage: `${m.name}Request`, sql: m.sql, parsed, fields, returns,
    responseMessage: returns === 'row' ? model.message : returns === 'rows' ? `${m.name}Response` : 'google.protobuf.Empty',
  };
}

/** Columns that can be list filters (a column named like a paging field cannot). */
export const filterColumns = (m: TableModel): ColumnModel[] => m.columns.filter((c) => !(LIST_META_FIELDS as readonly string[]).includes(c.name));
/** Columns an update request can carry (all but one named `update_mask`). */
export const updateColumns = (m: TableModel): ColumnModel[] => m.columns.filter((c) => !(UPDATE_META_FIELDS as readonly string[]).includes(c.name));
