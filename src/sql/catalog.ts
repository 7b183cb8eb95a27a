/**
 * The catalog: tables, indexes and views, kept durably in system table 0 of every partition
 * (one row per object: type, name, tbl_name, id, sql — SQLite's sqlite_schema) and rebuilt from
 * that SQL text on open. AUTOINCREMENT high-water marks live in system table 1 (sqlite_sequence):
 * rowid = table id, one column, the largest rowid ever handed out.
 *
 * Object ids (tables and indexes share one number space) start at 16; 0–15 are reserved.
 */
import type { IndexKeyPart, StorageTxn, Value } from '../storage/api.js';
import { HeliosError, sqlError } from '../errors.js';
import type { ColumnDef, Expr, Select, Statement } from './ast.js';
import { parse } from './parser.js';
import { affinityOfType, type Affinity, type CollationName } from './value.js';

export const SCHEMA_TABLE = 0;
export const SEQUENCE_TABLE = 1;
export const FIRST_USER_ID = 16;

export interface ColumnInfo {
  name: string;
  readonly type: string;
  readonly aff: Affinity;
  readonly coll: CollationName;
  readonly notNull: boolean;
  readonly default?: Expr;
  /** The SQL text the default was parsed from (evaluated per row when not constant). */
  readonly defaultSql?: string;
}

export interface IndexInfo {
  readonly id: number;
  name: string;
  table: string;
  readonly parts: (IndexKeyPart & { readonly collation: 'binary' | 'nocase' | 'rtrim' })[];
  readonly unique: boolean;
  readonly where?: Expr;
  /** Created by a UNIQUE/PRIMARY KEY constraint (sqlite_autoindex_*), not by CREATE INDEX. */
  readonly auto: boolean;
  readonly whereSql?: string;
  /** The CREATE INDEX text (not for automatic indexes). */
  readonly sql?: string;
}

export interface TableInfo {
  readonly kind: 'table';
  readonly id: number;
  name: string;
  readonly columns: ColumnInfo[];
  /** Index of the INTEGER PRIMARY KEY column (the rowid alias), or -1. */
  readonly rowidColumn: number;
  readonly autoincrement: boolean;
  readonly checks: Expr[];
  readonly indexes: IndexInfo[];
  readonly triggers: TriggerInfo[];
  sql: string;
}

export interface TriggerInfo {
  readonly id: number;
  readonly name: string;
  table: string;
  readonly timing: 'BEFORE' | 'AFTER';
  readonly event: 'INSERT' | 'UPDATE' | 'DELETE';
  /** UPDATE OF these columns only (indexes into the table's columns). */
  readonly columns?: number[];
  readonly when?: Expr;
  readonly body: Statement[];
  readonly sql: string;
}

export interface ViewInfo { readonly kind: 'view'; readonly id: number; name: string; readonly select: Select; readonly columns?: string[]; readonly sql: string }

const COLL: Record<string, CollationName> = { BINARY: 'BINARY', NOCASE: 'NOCASE', RTRIM: 'RTRIM' };

export function collationOf(name: string | undefined): CollationName {
  if (name === undefined) return 'BINARY';
  const c = COLL[name.toUpperCase()];
  if (!c) throw sqlError(`no such collation sequence: ${name}`);
  return c;
}

export const storageCollation = (c: CollationName): 'binary' | 'nocase' | 'rtrim' => c.toLowerCase() as 'binary' | 'nocase' | 'rtrim';

export class Catalog {
  readonly tables = new Map<string, TableInfo>();
  readonly views = new Map<string, ViewInfo>();
  readonly indexes = new Map<string, IndexInfo>();
  readonly triggers = new Map<string, TriggerInfo>();
  nextId = FIRST_USER_ID;
  /** Bumped on every schema change: compiled plans of an older version are stale. */
  version = 0;

  /** Rebuilds the in-memory catalog from the schema table. */
  load(txn: StorageTxn): void {
    this.tables.clear();
    this.views.clear();
    this.indexes.clear();
    this.triggers.clear();
    this.nextId = FIRST_USER_ID;
    this.version++;
    const rows: Value[][] = [];
    const cur = txn.scan(SCHEMA_TABLE);
    for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
      for (let i = 0; i < b.length; i++) rows.push([b.value(i, 0), b.value(i, 1), b.value(i, 2), b.value(i, 3), b.value(i, 4)]);
    }
    cur.close();
    rows.sort((a, b) => Number(a[3] as bigint) - Number(b[3] as bigint));
    for (const [type, name, tblName, idv, sql] of rows) {
      const id = Number(idv as bigint);
      this.nextId = Math.max(this.nextId, id + 1);
      if (type === 'table') this.addTableFromSql(id, sql as string);
      else if (type === 'view') this.addViewFromSql(id, sql as string);
      else if (type === 'index') this.addIndexFromSql(id, sql as string);
      else if (type === 'trigger') this.addTriggerFromSql(id, sql as string);
      else if (type === 'autoindex') {
        const d = JSON.parse(sql as string) as { parts: IndexInfo['parts']; unique: boolean };
        this.attachIndex({ id, name: name as string, table: tblName as string, parts: d.parts, unique: d.unique, auto: true });
      }
    }
  }

  table(name: string): TableInfo | undefined { return this.tables.get(name.toLowerCase()); }

  requireTable(name: string): TableInfo {
    const t = this.table(name);
    if (!t) throw sqlError(`no such table: ${name}`);
    return t;
  }

  addTableFromSql(id: number, sql: string): TableInfo {
    const stmt = parseStored(sql);
    if (stmt.kind !== 'createTable') throw new HeliosError('INTERNAL', `schema row ${id} is not CREATE TABLE`);
    const t = tableInfoFrom(id, stmt.name, stmt.columns, stmt.constraints.filter((c) => c.kind === 'check').map((c) => (c as { expr: Expr }).expr), sql,
      (stmt.constraints.find((c) => c.kind === 'primary') as { columns: string[] } | undefined)?.columns);
    this.tables.set(t.name.toLowerCase(), t);
    return t;
  }

  addViewFromSql(id: number, sql: string): ViewInfo {
    const stmt = parseStored(sql);
    if (stmt.kind !== 'createView') throw new HeliosError('INTERNAL', `schema row ${id} is not CREATE VIEW`);
    const v: ViewInfo = { kind: 'view', id, name: stmt.name, select: stmt.select, sql, ...(stmt.columns ? { columns: stmt.columns } : {}) };
    this.views.set(v.name.toLowerCase(), v);
    return v;
  }

  addIndexFromSql(id: number, sql: string): IndexInfo {
    const stmt = parseStored(sql);
    if (stmt.kind !== 'createIndex') throw new HeliosError('INTERNAL', `schema row ${id} is not CREATE INDEX`);
    const t = this.requireTable(stmt.table);
    const parts = stmt.columns.map((c) => {
      const col = columnIndex(t, c.name);
      return { column: col, desc: c.desc, collation: storageCollation(c.collation ? collationOf(c.collation) : t.columns[col]!.coll) };
    });
    const info: IndexInfo = {
      id, name: stmt.name, table: t.name, parts, unique: stmt.unique, auto: false, sql,
      ...(stmt.where ? { where: stmt.where, whereSql: sql.slice(stmt.where.start, stmt.where.end) } : {}),
    };
    this.attachIndex(info);
    return info;
  }

  addTriggerFromSql(id: number, sql: string): TriggerInfo {
    const stmt = parseStored(sql);
    if (stmt.kind !== 'createTrigger') throw new HeliosError('INTERNAL', `schema row ${id} is not CREATE TRIGGER`);
    const t = this.table(stmt.table);
    if (!t) throw sqlError(this.views.has(stmt.table.toLowerCase()) ? `cannot create ${stmt.timing} trigger on view: ${stmt.table}` : `no such table: ${stmt.table}`);
    if (stmt.timing === 'INSTEAD OF') throw sqlError(`cannot create INSTEAD OF trigger on table: ${stmt.table}`);
    const info: TriggerInfo = {
      id, name: stmt.name, table: t.name, timing: stmt.timing, event: stmt.event, body: stmt.body, sql,
      ...(stmt.columns ? { columns: stmt.columns.map((c) => columnIndex(t, c)) } : {}), ...(stmt.when ? { when: stmt.when } : {}),
    };
    t.triggers.push(info);
    this.triggers.set(info.name.toLowerCase(), info);
    return info;
  }

  attachIndex(info: IndexInfo): void {
    const t = this.requireTable(info.table);
    t.indexes.push(info);
    this.indexes.set(info.name.toLowerCase(), info);
  }

  objectExists(name: string): boolean {
    const n = name.toLowerCase();
    return this.tables.has(n) || this.views.has(n) || this.indexes.has(n) || this.triggers.has(n);
  }
}

function parseStored(sql: string): Statement {
  return parse(sql).stmt;
}

export function columnIndex(t: TableInfo, name: string): number {
  const n = name.toLowerCase();
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === n);
  if (i < 0) throw sqlError(`no such column: ${name}`);
  return i;
}

/** Builds a TableInfo from CREATE TABLE's column list (auto indexes are attached separately). */
export function tableInfoFrom(id: number, name: string, cols: ColumnDef[], checks: Expr[], sql: string, pkColumns?: string[]): TableInfo {
  let rowidColumn = -1;
  let autoincrement = false;
  const columns: ColumnInfo[] = cols.map((c, i) => {
    if (c.primaryKey && c.type.toUpperCase() === 'INTEGER' && !c.primaryKey.desc) { rowidColumn = i; autoincrement = c.primaryKey.autoincrement; }
    return {
      name: c.name, type: c.type, aff: affinityOfType(c.type), coll: collationOf(c.collation), notNull: c.notNull,
      ...(c.default ? { default: c.default, defaultSql: sql.slice(c.default.start, c.default.end) } : {}),
    };
  });
  if (pkColumns && pkColumns.length === 1) {
    const i = cols.findIndex((c) => c.name.toLowerCase() === pkColumns[0]!.toLowerCase());
    if (i >= 0 && cols[i]!.type.toUpperCase() === 'INTEGER') rowidColumn = i;
  }
  return { kind: 'table', id, name, columns, rowidColumn, autoincrement, checks: [...checks, ...cols.flatMap((c) => c.check)], indexes: [], triggers: [], sql };
}
