/**
 * The schema as data: the `sqlite_schema` (alias `sqlite_master`) table that tools query, and the
 * PRAGMAs users run against SQLite — table_info, index_list, index_info, integrity_check (the
 * partition's consistency checker) and the read-only foreign_keys (always 0: not enforced).
 */
import type { Partition, Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Catalog } from './catalog.js';

export const SCHEMA_TABLE_NAMES = new Set(['sqlite_schema', 'sqlite_master']);

/** Rows of sqlite_schema: type, name, tbl_name, rootpage (our object id), sql. */
export function schemaRows(cat: Catalog): Value[][] {
  const rows: Value[][] = [];
  for (const t of cat.tables.values()) {
    rows.push(['table', t.name, t.name, BigInt(t.id), t.sql]);
    for (const ix of t.indexes) rows.push(['index', ix.name, t.name, BigInt(ix.id), ix.sql ?? null]);
    for (const tr of t.triggers) rows.push(['trigger', tr.name, t.name, 0n, tr.sql]);
  }
  for (const v of cat.views.values()) rows.push(['view', v.name, v.name, 0n, v.sql]);
  return rows.sort((a, b) => Number((a[3] as bigint) - (b[3] as bigint)));
}

export const SCHEMA_COLUMNS = ['type', 'name', 'tbl_name', 'rootpage', 'sql'];

export interface PragmaResult { columns: string[]; rows: Value[][] }

export function runPragma(cat: Catalog, partition: Partition, name: string, arg: string | undefined): PragmaResult {
  switch (name.toLowerCase()) {
    case 'table_info': {
      const t = arg === undefined ? undefined : cat.table(arg);
      if (!t) return { columns: [], rows: [] };
      const pkCols = new Set<number>();
      if (t.rowidColumn >= 0) pkCols.add(t.rowidColumn);
      for (const ix of t.indexes) if (ix.auto && ix.name.includes('_pk')) ix.parts.forEach((p) => pkCols.add(p.column));
      return {
        columns: ['cid', 'name', 'type', 'notnull', 'dflt_value', 'pk'],
        rows: t.columns.map((c, i) => [BigInt(i), c.name, c.type, c.notNull ? 1n : 0n, c.defaultSql ?? null, pkCols.has(i) ? 1n : 0n]),
      };
    }
    case 'index_list': {
      const t = arg === undefined ? undefined : cat.table(arg);
      if (!t) return { columns: [], rows: [] };
      return {
        columns: ['seq', 'name', 'unique', 'origin', 'partial'],
        rows: t.indexes.map((ix, i) => [BigInt(i), ix.name, ix.unique ? 1n : 0n, ix.auto ? 'u' : 'c', ix.where ? 1n : 0n]),
      };
    }
    case 'index_info': {
      const ix = arg === undefined ? undefined : cat.indexes.get(arg.toLowerCase());
      if (!ix) return { columns: [], rows: [] };
      const t = cat.table(ix.table)!;
      return { columns: ['seqno', 'cid', 'name'], rows: ix.parts.map((p, i) => [BigInt(i), BigInt(p.column), t.columns[p.column]!.name]) };
    }
    case 'integrity_check': case 'quick_check':
      try {
        partition.check();
        return { columns: ['integrity_check'], rows: [['ok']] };
      } catch (e) {
        return { columns: ['integrity_check'], rows: [[e instanceof Error ? e.message : String(e)]] };
      }
    case 'foreign_keys':
      if (arg !== undefined && !['0', 'off', 'false', 'no'].includes(arg.toLowerCase())) throw sqlError('foreign key enforcement is not supported (PRAGMA foreign_keys stays OFF)');
      return { columns: ['foreign_keys'], rows: [[0n]] };
    default:
      throw sqlError(`unsupported pragma: ${name}`);
  }
}
