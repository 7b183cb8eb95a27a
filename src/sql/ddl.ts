/**
 * CREATE/DROP TABLE, INDEX and VIEW, ALTER TABLE RENAME/ADD COLUMN: each changes storage (through
 * the statement's UndoTxn) and the schema table, then the in-memory catalog. A failure midway is
 * undone by the caller (statement undo, then a catalog reload from the schema table).
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Statement } from './ast.js';
import { SCHEMA_TABLE, SEQUENCE_TABLE, collationOf, storageCollation, tableInfoFrom, type Catalog, type IndexInfo, type TableInfo } from './catalog.js';
import type { ExecRuntime } from './dml.js';
import { indexDefOf } from './index-predicate.js';
import type { QueryCompiler } from './select.js';
import { columnKind } from './table-writer.js';
import { applyAffinity, type Affinity } from './value.js';
import { compileExpr } from './compile-expr.js';
import { parse } from './parser.js';
import { printStatement } from './ast-printer.js';
import { Scope } from './scope.js';

type Stmt<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

function schemaRow(rt: ExecRuntime, id: number, type: string, name: string, tbl: string, sql: string): void {
  rt.w.insert(SCHEMA_TABLE, BigInt(id), [type, name, tbl, BigInt(id), sql]);
}

function quoteIdent(s: string): string { return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`; }

export function createTable(qc: QueryCompiler, cat: Catalog, s: Stmt<'createTable'>): void {
  const rt = qc.rt as ExecRuntime;
  if (s.temp) throw sqlError('TEMP tables are not supported');
  if (s.withoutRowid) throw sqlError('WITHOUT ROWID tables are not supported');
  if (cat.objectExists(s.name)) {
    if (s.ifNotExists && cat.table(s.name)) return;
    throw sqlError(`${cat.views.has(s.name.toLowerCase()) ? 'view' : cat.indexes.has(s.name.toLowerCase()) ? 'index' : 'table'} ${s.name} already exists`);
  }
  if (s.name.toLowerCase().startsWith('sqlite_')) throw sqlError(`object name reserved for internal use: ${s.name}`);
  let sql = qc.sql.slice(s.start, s.end);
  let rows: Value[][] | null = null;
  let columns = s.columns;
  if (s.asSelect) {
    const q = qc.compileSelect(s.asSelect, null);
    const declOf = (a: Affinity): string => ({ integer: 'INT', real: 'REAL', numeric: 'NUM', text: 'TEXT', blob: '', none: '' })[a];
    columns = q.columns.map((c, i) => ({ name: c, type: declOf(q.affs[i]!), notNull: false, unique: false, check: [] }));
    sql = `CREATE TABLE ${quoteIdent(s.name)}(${columns.map((c) => `${quoteIdent(c.name)}${c.type ? ' ' + c.type : ''}`).join(',')})`;
    rows = q.run(null);
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name.toLowerCase())) throw sqlError(`duplicate column name: ${c.name}`);
    seen.add(c.name.toLowerCase());
  }
  if (columns.length === 0) throw sqlError('a table must have at least one column');
  const pks = columns.filter((c) => c.primaryKey).length + s.constraints.filter((c) => c.kind === 'primary').length;
  if (pks > 1) throw sqlError(`table "${s.name}" has more than one primary key`);
  for (const c of columns) if (c.primaryKey?.autoincrement && c.type.toUpperCase() !== 'INTEGER') throw sqlError('AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY');
  const pkCols = s.constraints.find((c) => c.kind === 'primary')?.columns;
  const id = cat.nextId++;
  const info = tableInfoFrom(id, s.name, columns, s.constraints.filter((c) => c.kind === 'check').map((c) => (c as { kind: "check"; expr: import("./ast.js").Expr }).expr), sql, pkCols);
  // Validate CHECK and DEFAULT expressions now (unknown columns/functions are errors at CREATE time).
  const scope = new Scope(null);
  scope.addSource(info.name, info.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll })), info);
  for (const e of info.checks) compileExpr(e, { scope, rt: qc.rt, sub: qc, aggs: null });
  for (const c of info.columns) if (c.default) compileExpr(c.default, { scope: new Scope(null), rt: qc.rt, sub: qc, aggs: null });
  rt.w.createTable({ id, columns: info.columns.map((c) => columnKind(c.aff)) });
  schemaRow(rt, id, 'table', info.name, info.name, sql);
  cat.tables.set(info.name.toLowerCase(), info);
  // UNIQUE / non-rowid PRIMARY KEY constraints become automatic unique indexes.
  const uniques: string[][] = [];
  columns.forEach((c, i) => {
    if (c.primaryKey && i !== info.rowidColumn) uniques.push([c.name]);
    if (c.unique) uniques.push([c.name]);
  });
  for (const c of s.constraints) {
    if (c.kind === 'unique') uniques.push(c.columns);
    if (c.kind === 'primary' && !(c.columns.length === 1 && info.rowidColumn >= 0 && info.columns[info.rowidColumn]!.name.toLowerCase() === c.columns[0]!.toLowerCase())) uniques.push(c.columns);
  }
  uniques.forEach((cols, k) => {
    const parts = cols.map((n) => {
      const i = info.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase());
      if (i < 0) throw sqlError(`no such column: ${n}`);
      return { column: i, desc: false, collation: storageCollation(info.columns[i]!.coll) };
    });
    const ixId = cat.nextId++;
    const ix: IndexInfo = { id: ixId, name: `sqlite_autoindex_${info.name}_${k + 1}`, table: info.name, parts, unique: true, auto: true };
    rt.w.createIndex(indexDefOf(info, ix));
    schemaRow(rt, ixId, 'autoindex', ix.name, info.name, JSON.stringify({ parts, unique: true }));
    cat.attachIndex(ix);
  });
  cat.version++;
  if (rows) {
    let rowid = 0n;
    for (const r of rows) rt.w.insert(id, ++rowid, r.map((v, i) => applyAffinity(v, info.columns[i]!.aff)));
  }
}

export function createIndex(qc: QueryCompiler, cat: Catalog, s: Stmt<'createIndex'>): void {
  const rt = qc.rt as ExecRuntime;
  if (cat.objectExists(s.name)) {
    if (s.ifNotExists && cat.indexes.has(s.name.toLowerCase())) return;
    throw sqlError(`${cat.indexes.has(s.name.toLowerCase()) ? 'index' : 'table'} ${s.name} already exists`);
  }
  const t = cat.table(s.table);
  if (!t) throw sqlError(cat.views.has(s.table.toLowerCase()) ? `views may not be indexed` : `no such table: main.${s.table}`);
  const parts = s.columns.map((c) => {
    const i = t.columns.findIndex((x) => x.name.toLowerCase() === c.name.toLowerCase());
    if (i < 0) throw sqlError(`no such column: ${c.name}`);
    return { column: i, desc: c.desc, collation: storageCollation(c.collation ? collationOf(c.collation) : t.columns[i]!.coll) };
  });
  const id = cat.nextId++;
  const sql = qc.sql.slice(s.start, s.end);
  const ix: IndexInfo = { id, name: s.name, table: t.name, parts, unique: s.unique, auto: false, sql, ...(s.where ? { where: s.where, whereSql: qc.sql.slice(s.where.start, s.where.end) } : {}) };
  const def = indexDefOf(t, ix);
  try {
    rt.w.createIndex(def);
  } catch (e) {
    if (e instanceof Error && 'code' in e && (e as { code: string }).code === 'CONSTRAINT') {
      throw Object.assign(e, { message: `UNIQUE constraint failed: ${parts.map((p) => `${t.name}.${t.columns[p.column]!.name}`).join(', ')}` });
    }
    throw e;
  }
  schemaRow(rt, id, 'index', s.name, t.name, sql);
  cat.attachIndex(ix);
  cat.version++;
}

export function createView(qc: QueryCompiler, cat: Catalog, s: Stmt<'createView'>): void {
  const rt = qc.rt as ExecRuntime;
  if (cat.objectExists(s.name)) {
    if (s.ifNotExists && cat.views.has(s.name.toLowerCase())) return;
    throw sqlError(`${cat.views.has(s.name.toLowerCase()) ? 'view' : 'table'} ${s.name} already exists`);
  }
  const id = cat.nextId++;
  const sql = qc.sql.slice(s.start, s.end);
  const v = cat.addViewFromSql(id, sql);
  try {
    qc.compileView(v);
  } catch (e) {
    cat.views.delete(v.name.toLowerCase());
    throw e;
  }
  schemaRow(rt, id, 'view', s.name, s.name, sql);
  cat.version++;
}

export function createTrigger(qc: QueryCompiler, cat: Catalog, s: Stmt<'createTrigger'>): void {
  const rt = qc.rt as ExecRuntime;
  if (cat.objectExists(s.name)) {
    if (s.ifNotExists && cat.triggers.has(s.name.toLowerCase())) return;
    throw sqlError(`${cat.triggers.has(s.name.toLowerCase()) ? 'trigger' : 'object'} ${s.name} already exists`);
  }
  const id = cat.nextId++;
  const sql = qc.sql.slice(s.start, s.end);
  const info = cat.addTriggerFromSql(id, sql);
  schemaRow(rt, id, 'trigger', info.name, info.table, sql);
  cat.version++;
}

export function drop(qc: QueryCompiler, cat: Catalog, s: Stmt<'drop'>): void {
  const rt = qc.rt as ExecRuntime;
  const n = s.name.toLowerCase();
  switch (s.what) {
    case 'TABLE': {
      const t = cat.tables.get(n);
      if (!t) {
        if (s.ifExists) return;
        if (cat.views.has(n)) throw sqlError(`use DROP VIEW to delete view ${s.name}`);
        throw sqlError(`no such table: ${s.name}`);
      }
      for (const ix of t.indexes) { rt.w.delete(SCHEMA_TABLE, BigInt(ix.id)); cat.indexes.delete(ix.name.toLowerCase()); }
      for (const tr of t.triggers) { rt.w.delete(SCHEMA_TABLE, BigInt(tr.id)); cat.triggers.delete(tr.name.toLowerCase()); }
      rt.w.dropTable({ id: t.id, columns: t.columns.map((c) => columnKind(c.aff)) });
      rt.w.delete(SCHEMA_TABLE, BigInt(t.id));
      rt.w.delete(SEQUENCE_TABLE, BigInt(t.id));
      cat.tables.delete(n);
      break;
    }
    case 'INDEX': {
      const ix = cat.indexes.get(n);
      if (!ix) { if (s.ifExists) return; throw sqlError(`no such index: ${s.name}`); }
      if (ix.auto) throw sqlError('index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped');
      rt.w.dropIndex(ix.id);
      rt.w.delete(SCHEMA_TABLE, BigInt(ix.id));
      cat.indexes.delete(n);
      const t = cat.table(ix.table)!;
      t.indexes.splice(t.indexes.indexOf(ix), 1);
      break;
    }
    case 'VIEW': {
      const v = cat.views.get(n);
      if (!v) {
        if (s.ifExists) return;
        if (cat.tables.has(n)) throw sqlError(`use DROP TABLE to delete table ${s.name}`);
        throw sqlError(`no such view: ${s.name}`);
      }
      rt.w.delete(SCHEMA_TABLE, BigInt(v.id));
      cat.views.delete(n);
      break;
    }
    case 'TRIGGER': {
      const tr = cat.triggers.get(n);
      if (!tr) { if (s.ifExists) return; throw sqlError(`no such trigger: ${s.name}`); }
      rt.w.delete(SCHEMA_TABLE, BigInt(tr.id));
      cat.triggers.delete(n);
      const t = cat.table(tr.table)!;
      t.triggers.splice(t.triggers.indexOf(tr), 1);
      break;
    }
  }
  cat.version++;
}

const CREATE_TABLE_NAME = /^(\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|[^\s(]+)/i;
const INDEX_ON_NAME = /^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|\S+)\s+ON\s+)("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|[^\s(]+)/i;

const TRIGGER_ON_NAME = /^([\s\S]*?\bON\s+)("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|[^\s(]+)/i;

export function alterTable(qc: QueryCompiler, cat: Catalog, s: Stmt<'alterTable'>): void {
  const rt = qc.rt as ExecRuntime;
  const t = cat.table(s.table);
  if (!t) throw sqlError(`no such table: ${s.table}`);
  const a = s.action;
  if (a.kind === 'rename') {
    if (cat.objectExists(a.to) && a.to.toLowerCase() !== t.name.toLowerCase()) throw sqlError(`there is already another table or index with this name: ${a.to}`);
    for (const ix of t.indexes) {
      const row = rt.w.txn.get(SCHEMA_TABLE, BigInt(ix.id))!;
      const sql = ix.auto ? (row[4] as string) : (row[4] as string).replace(INDEX_ON_NAME, (_m, p1: string) => p1 + quoteIdent(a.to));
      rt.w.update(SCHEMA_TABLE, BigInt(ix.id), [row[0]!, row[1]!, a.to, row[3]!, sql]);
    }
    for (const tr of t.triggers) {
      const tsql = tr.sql.replace(TRIGGER_ON_NAME, (_m, p1: string) => p1 + quoteIdent(a.to));
      rt.w.update(SCHEMA_TABLE, BigInt(tr.id), ['trigger', tr.name, a.to, BigInt(tr.id), tsql]);
    }
    const sql = t.sql.replace(CREATE_TABLE_NAME, (_m, p1: string) => p1 + quoteIdent(a.to));
    rt.w.update(SCHEMA_TABLE, BigInt(t.id), ['table', a.to, a.to, BigInt(t.id), sql]);
    reload(cat, rt);
    return;
  }
  if (a.kind === 'addColumn') {
    const c = a.column;
    if (t.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase())) throw sqlError(`duplicate column name: ${c.name}`);
    if (c.primaryKey || c.unique) throw sqlError('Cannot add a PRIMARY KEY or UNIQUE column');
    if (c.notNull && !c.default) throw sqlError('Cannot add a NOT NULL column with default value NULL');
    let dflt: Value = null;
    if (c.default) {
      const ce = compileExpr(c.default, { scope: new Scope(null), rt: qc.rt, sub: qc, aggs: null });
      if (!ce.rowIndependent || c.default.kind === 'fn') throw sqlError('Cannot add a column with non-constant default');
      dflt = ce.ev({ row: [], outer: null, agg: null });
    }
    // From the parser's offset: searching the text for the name found the "D" of "ADD" for a
    // column named d (stored as "DD COLUMN d BLOB", i.e. a column named DD).
    const colSql = qc.sql.slice(a.columnStart, s.end);
    const sql = t.sql.replace(/\)\s*$/, `, ${colSql})`);
    // Storage rows have a fixed column list: copy the table into a new one with the extra column.
    const newId = cat.nextId++;
    const oldDef = { id: t.id, columns: t.columns.map((x) => columnKind(x.aff)) };
    const info = tableInfoFrom(newId, t.name, [], [], sql);
    void info;
    rt.w.update(SCHEMA_TABLE, BigInt(t.id), ['table', t.name, t.name, BigInt(t.id), sql]);
    const rows: [bigint, Value[]][] = [];
    const cur = rt.w.txn.scan(t.id);
    for (let b = cur.nextBatch(); b; b = cur.nextBatch()) for (let i = 0; i < b.length; i++) rows.push([b.rowid(i), oldDef.columns.map((_, k) => b.value(i, k))]);
    cur.close();
    rt.w.dropTable(oldDef);
    reload(cat, rt, t.id);
    const nt = cat.table(t.name)!;
    rt.w.createTable({ id: t.id, columns: nt.columns.map((x) => columnKind(x.aff)) });
    const aff = nt.columns[nt.columns.length - 1]!.aff;
    for (const [id, r] of rows) rt.w.insert(t.id, id, [...r, applyAffinity(dflt, aff)]);
    for (const ix of nt.indexes) rt.w.createIndex(indexDefOf(nt, ix));
    cat.nextId = Math.max(cat.nextId, newId);
    return;
  }
  if (a.kind === 'renameColumn') { renameColumn(rt, cat, t, a.from, a.to); return; }
  throw sqlError('ALTER TABLE DROP COLUMN is not supported');
}

/** A deep copy of an AST with column references named `from` (unqualified or of `table`) renamed. */
function renameRefs<T>(node: T, table: string, from: string, to: string): T {
  if (Array.isArray(node)) return node.map((x) => renameRefs(x, table, from, to)) as T;
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return node;
  const o = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = renameRefs(v, table, from, to);
  if (o.kind === 'col' && typeof o.name === 'string' && o.name.toLowerCase() === from.toLowerCase()
    && (o.table === undefined || (o.table as string).toLowerCase() === table.toLowerCase())) out.name = to;
  return out as T;
}

/**
 * ALTER TABLE … RENAME COLUMN: rewrites the stored CREATE TABLE and CREATE INDEX statements
 * (column lists, CHECK/DEFAULT/partial-index expressions) and reloads the catalog. Views and
 * triggers are SQL text that may name the column through any alias, so a rename they might
 * depend on is refused rather than left half-done.
 */
function renameColumn(rt: ExecRuntime, cat: Catalog, t: TableInfo, from: string, to: string): void {
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === from.toLowerCase());
  if (i < 0) throw sqlError(`no such column: "${from}"`);
  if (t.columns.some((c) => c.name.toLowerCase() === to.toLowerCase())) throw sqlError(`duplicate column name: ${to}`);
  const word = new RegExp(`\\b${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
  for (const v of cat.views.values()) if (word.test(v.sql)) throw sqlError(`cannot rename column ${from}: view ${v.name} may reference it`);
  for (const tr of cat.triggers.values()) if (word.test(tr.sql)) throw sqlError(`cannot rename column ${from}: trigger ${tr.name} may reference it`);
  const stmt = parse(t.sql).stmt;
  if (stmt.kind !== 'createTable') throw sqlError(`cannot rename a column of ${t.name}`);
  const renamed = renameRefs(stmt, t.name, from, to);
  const columns = renamed.columns.map((c, k) => (k === i ? { ...c, name: to } : c));
  const constraints = renamed.constraints.map((c) => (c.kind === 'check' ? c : { ...c, columns: c.columns.map((x) => (x.toLowerCase() === from.toLowerCase() ? to : x)) }));
  const sql = printStatement({ ...renamed, columns, constraints });
  rt.w.update(SCHEMA_TABLE, BigInt(t.id), ['table', t.name, t.name, BigInt(t.id), sql]);
  for (const ix of t.indexes) {
    if (ix.auto) continue;
    const row = rt.w.txn.get(SCHEMA_TABLE, BigInt(ix.id))!;
    const ist = parse(row[4] as string).stmt;
    if (ist.kind !== 'createIndex') continue;
    const r = renameRefs(ist, t.name, from, to);
    const isql = printStatement({ ...r, columns: r.columns.map((c) => (c.name.toLowerCase() === from.toLowerCase() ? { ...c, name: to } : c)) });
    rt.w.update(SCHEMA_TABLE, BigInt(ix.id), [row[0]!, row[1]!, row[2]!, row[3]!, isql]);
  }
  reload(cat, rt);
}

function reload(cat: Catalog, rt: ExecRuntime, _id?: number): void {
  cat.load(rt.w.txn);
}

export type { TableInfo };
