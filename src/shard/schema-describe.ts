/**
 * The catalog as data for the generated APIs (frame kind `Schema`): every table with its columns
 * (declared type, nullability, default SQL text, primary key, AUTOINCREMENT), its indexes and a
 * field number per column. The coordinator turns this into `ApiSchema` (src/net/schema-api).
 *
 * Field numbers. A column's number is its 1-based ordinal in the table's stored CREATE TABLE
 * text. That is stable for the life of the column because of how this engine changes tables:
 * ADD COLUMN appends to the stored text, RENAME COLUMN rewrites the name in place, and DROP
 * COLUMN is rejected (src/sql/ddl.ts), so an ordinal is never reused or shifted. Nothing extra
 * is stored; if DROP COLUMN is ever supported, the numbers must move into the schema row first
 * (a per-table next number plus per-column numbers), or dropping a column would renumber the
 * ones after it and break every client compiled against the old .proto.
 */
import type { Catalog, TableInfo } from '../sql/catalog.js';
import { parse } from '../sql/parser.js';
import type { CatalogSchema, SchemaTable } from './protocol.js';

/** The declared primary-key columns of a table (column constraint or table constraint). */
function primaryKeyColumns(t: TableInfo): string[] {
  try {
    const stmt = parse(t.sql).stmt;
    if (stmt.kind !== 'createTable') return [];
    const col = stmt.columns.find((c) => c.primaryKey);
    if (col) return [col.name];
    const pk = stmt.constraints.find((c) => c.kind === 'primary') as { columns: string[] } | undefined;
    return pk ? pk.columns.map((n) => t.columns.find((c) => c.name.toLowerCase() === n.toLowerCase())?.name ?? n) : [];
  } catch {
    // Stored text always parses (the catalog was built from it); fall back to the rowid alias.
    return t.rowidColumn >= 0 ? [t.columns[t.rowidColumn]!.name] : [];
  }
}

function describeTable(t: TableInfo): SchemaTable {
  const pk = primaryKeyColumns(t);
  const pkSet = new Set(pk.map((n) => n.toLowerCase()));
  return {
    name: t.name,
    columns: t.columns.map((c, i) => ({
      name: c.name,
      type: c.type,
      nullable: !c.notNull && !(pkSet.has(c.name.toLowerCase()) && i === t.rowidColumn),
      default: c.defaultSql ?? null,
      primaryKey: pkSet.has(c.name.toLowerCase()),
      autoIncrement: i === t.rowidColumn && t.autoincrement,
      fieldNumber: i + 1,
    })),
    primaryKey: pk,
    indexes: t.indexes.map((ix) => ({ name: ix.name, columns: ix.parts.map((p) => t.columns[p.column]!.name), unique: ix.unique })),
  };
}

/**
 * @param epoch distinguishes engine instances: the in-memory catalog version restarts when a
 *   shard restarts, so the reported version is `<epoch>.<catalog version>`.
 */
export function describeCatalog(cat: Catalog, epoch: string): CatalogSchema {
  const tables = [...cat.tables.values()].sort((a, b) => a.id - b.id).map(describeTable);
  return { version: `${epoch}.${cat.version}`, tables };
}
