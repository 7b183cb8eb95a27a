/**
 * Prints an AST back as SQL text (fully parenthesised expressions, quoted identifiers), so that
 * parse(print(ast)) is the same tree: the parser's round-trip tests use it, and error messages
 * and docs can show a normalised statement.
 */
import type { Value } from '../storage/api.js';
import { RESERVED } from './parser-expr.js';
import type { ColumnDef, Expr, FromItem, OrderTerm, ResultColumn, Select, SelectCore, Statement } from './ast.js';

/** An identifier, bare when it is a plain non-keyword word, else double-quoted. */
const id = (s: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !RESERVED.has(s.toUpperCase()) && !KEYWORDS.has(s.toUpperCase()) ? s : `"${s.replace(/"/g, '""')}"`);
/** Words that parse as something else where an identifier may stand (functions, literals). */
const KEYWORDS = new Set(['TRUE', 'FALSE', 'CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'RAISE', 'ROWID', 'OID', '_ROWID_', 'EXCLUDED', 'NEW', 'OLD', 'KEY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'DO', 'NOTHING', 'CONFLICT', 'ROW', 'EACH', 'FOR', 'INDEXED', 'BEGIN', 'AUTOINCREMENT', 'IF', 'OF', 'FILTER', 'OVER']);

function lit(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v > 0 ? '1e999' : '-1e999';
    const s = String(v);
    return /[.e]/.test(s) ? s : `${s}.0`;
  }
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return `X'${Buffer.from(v).toString('hex')}'`;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'lit': {
      const s = lit(e.value);
      return (typeof e.value === 'bigint' && e.value < 0n) || (typeof e.value === 'number' && e.value < 0) ? `(${s})` : s;
    }
    case 'col': return e.table ? `${id(e.table)}.${id(e.name)}` : id(e.name);
    case 'param': return e.name ?? `?${e.index}`;
    case 'unary': return e.op === 'NOT' ? `(NOT ${printExpr(e.expr)})` : `(${e.op} ${printExpr(e.expr)})`;
    case 'binary': {
      const op = e.op === 'ISNOT' ? 'IS NOT' : e.op;
      return `(${printExpr(e.left)} ${op} ${printExpr(e.right)})`;
    }
    case 'like': return `(${printExpr(e.left)} ${e.not ? 'NOT ' : ''}${e.op} ${printExpr(e.right)}${e.escape ? ` ESCAPE ${printExpr(e.escape)}` : ''})`;
    case 'between': return `(${printExpr(e.expr)} ${e.not ? 'NOT ' : ''}BETWEEN ${printExpr(e.lo)} AND ${printExpr(e.hi)})`;
    case 'in': {
      const rhs = e.list ? `(${e.list.map(printExpr).join(', ')})` : e.select ? `(${printSelect(e.select)})` : id(e.table!);
      return `(${printExpr(e.expr)} ${e.not ? 'NOT ' : ''}IN ${rhs})`;
    }
    case 'isnull': return `(${printExpr(e.expr)} ${e.not ? 'NOTNULL' : 'ISNULL'})`;
    case 'exists': return `${e.not ? 'NOT ' : ''}EXISTS (${printSelect(e.select)})`;
    case 'subquery': return `(${printSelect(e.select)})`;
    case 'case': return `CASE${e.base ? ' ' + printExpr(e.base) : ''}${e.whens.map(([w, t]) => ` WHEN ${printExpr(w)} THEN ${printExpr(t)}`).join('')}${e.else ? ` ELSE ${printExpr(e.else)}` : ''} END`;
    case 'cast': return `CAST(${printExpr(e.expr)} AS ${e.type})`;
    case 'collate': return `(${printExpr(e.expr)} COLLATE ${e.collation})`;
    case 'fn': return `${e.name}(${e.star ? '*' : (e.distinct ? 'DISTINCT ' : '') + e.args.map(printExpr).join(', ')})`;
    case 'raise': return `RAISE(${e.action}${e.message !== undefined ? `, ${lit(e.message)}` : ''})`;
  }
}

function printColumns(cols: ResultColumn[]): string {
  return cols.map((c) => (c.kind === 'star' ? (c.table ? `${id(c.table)}.*` : '*') : printExpr(c.expr) + (c.alias !== undefined ? ` AS ${id(c.alias)}` : ''))).join(', ');
}

function printFrom(f: FromItem): string {
  switch (f.kind) {
    case 'table': return id(f.name) + (f.alias ? ` AS ${id(f.alias)}` : '') + (f.indexedBy ? ` INDEXED BY ${id(f.indexedBy)}` : '');
    case 'subquery': return `(${printSelect(f.select)})` + (f.alias ? ` AS ${id(f.alias)}` : '');
    case 'join': {
      const kw = f.joinType === 'left' ? 'LEFT JOIN' : f.joinType === 'cross' ? 'CROSS JOIN' : 'JOIN';
      const right = f.right.kind === 'join' ? `(${printFrom(f.right)})` : printFrom(f.right);
      return `${printFrom(f.left)} ${f.natural ? 'NATURAL ' : ''}${kw} ${right}${f.on ? ` ON ${printExpr(f.on)}` : ''}${f.using ? ` USING (${f.using.map(id).join(', ')})` : ''}`;
    }
  }
}

function printCore(c: SelectCore): string {
  if (c.values) return `VALUES ${c.values.map((r) => `(${r.map(printExpr).join(', ')})`).join(', ')}`;
  let s = `SELECT ${c.distinct ? 'DISTINCT ' : ''}${printColumns(c.columns)}`;
  if (c.from) s += ` FROM ${printFrom(c.from)}`;
  if (c.where) s += ` WHERE ${printExpr(c.where)}`;
  if (c.groupBy) s += ` GROUP BY ${c.groupBy.map(printExpr).join(', ')}`;
  if (c.having) s += ` HAVING ${printExpr(c.having)}`;
  return s;
}

const printOrder = (o: OrderTerm[]): string => o.map((t) => `${printExpr(t.expr)}${t.desc ? ' DESC' : ''}${t.nulls ? ` NULLS ${t.nulls.toUpperCase()}` : ''}`).join(', ');

export function printSelect(s: Select): string {
  let out = '';
  if (s.with) out += `WITH ${s.with.map((c) => `${id(c.name)}${c.columns ? `(${c.columns.map(id).join(', ')})` : ''} AS (${printSelect(c.select)})`).join(', ')} `;
  out += s.cores.map((c, i) => (i === 0 ? '' : ` ${s.ops[i - 1]} `) + printCore(c)).join('');
  if (s.orderBy) out += ` ORDER BY ${printOrder(s.orderBy)}`;
  if (s.limit) out += ` LIMIT ${printExpr(s.limit)}`;
  if (s.offset) out += ` OFFSET ${printExpr(s.offset)}`;
  return out;
}

function printColumnDef(c: ColumnDef): string {
  let s = id(c.name) + (c.type ? ` ${c.type}` : '');
  if (c.primaryKey) s += ` PRIMARY KEY${c.primaryKey.desc ? ' DESC' : ''}${c.primaryKey.autoincrement ? ' AUTOINCREMENT' : ''}`;
  if (c.notNull) s += ' NOT NULL';
  if (c.unique) s += ' UNIQUE';
  if (c.default) s += ` DEFAULT (${printExpr(c.default)})`;
  for (const ch of c.check) s += ` CHECK (${printExpr(ch)})`;
  if (c.collation) s += ` COLLATE ${c.collation}`;
  return s;
}

export function printStatement(st: Statement): string {
  switch (st.kind) {
    case 'select': return printSelect(st);
    case 'insert': {
      let s = `${st.or ? `INSERT OR ${st.or}` : 'INSERT'} INTO ${id(st.table)}`;
      if (st.columns) s += ` (${st.columns.map(id).join(', ')})`;
      s += st.defaultValues ? ' DEFAULT VALUES' : ` ${printSelect(st.select!)}`;
      for (const u of st.upsert) {
        s += ` ON CONFLICT${u.target ? ` (${u.target.map(id).join(', ')})` : ''} DO ${u.action === 'nothing' ? 'NOTHING' : `UPDATE SET ${u.set!.map((x) => `${id(x.columns[0]!)} = ${printExpr(x.expr)}`).join(', ')}${u.where ? ` WHERE ${printExpr(u.where)}` : ''}`}`;
      }
      if (st.returning) s += ` RETURNING ${printColumns(st.returning)}`;
      return s;
    }
    case 'update': {
      let s = `UPDATE ${st.or ? `OR ${st.or} ` : ''}${id(st.table)} SET ${st.set.map((x) => `${id(x.columns[0]!)} = ${printExpr(x.expr)}`).join(', ')}`;
      if (st.where) s += ` WHERE ${printExpr(st.where)}`;
      if (st.returning) s += ` RETURNING ${printColumns(st.returning)}`;
      return s;
    }
    case 'delete': {
      let s = `DELETE FROM ${id(st.table)}`;
      if (st.where) s += ` WHERE ${printExpr(st.where)}`;
      if (st.returning) s += ` RETURNING ${printColumns(st.returning)}`;
      return s;
    }
    case 'createTable':
      return `CREATE TABLE ${st.ifNotExists ? 'IF NOT EXISTS ' : ''}${id(st.name)} (${[...st.columns.map(printColumnDef), ...st.constraints.map((c) => (c.kind === 'check' ? `CHECK (${printExpr(c.expr)})` : `${c.kind === 'primary' ? 'PRIMARY KEY' : 'UNIQUE'} (${c.columns.map(id).join(', ')})`))].join(', ')})`;
    case 'createIndex':
      return `CREATE ${st.unique ? 'UNIQUE ' : ''}INDEX ${st.ifNotExists ? 'IF NOT EXISTS ' : ''}${id(st.name)} ON ${id(st.table)} (${st.columns.map((c) => `${id(c.name)}${c.collation ? ` COLLATE ${c.collation}` : ''}${c.desc ? ' DESC' : ''}`).join(', ')})${st.where ? ` WHERE ${printExpr(st.where)}` : ''}`;
    case 'createView': return `CREATE VIEW ${st.ifNotExists ? 'IF NOT EXISTS ' : ''}${id(st.name)}${st.columns ? ` (${st.columns.map(id).join(', ')})` : ''} AS ${printSelect(st.select)}`;
    case 'drop': return `DROP ${st.what} ${st.ifExists ? 'IF EXISTS ' : ''}${id(st.name)}`;
    case 'begin': return 'BEGIN';
    case 'commit': return 'COMMIT';
    case 'rollback': return 'ROLLBACK';
    case 'vacuum': return 'VACUUM';
    case 'explain': return `EXPLAIN ${st.queryPlan ? 'QUERY PLAN ' : ''}${printStatement(st.stmt)}`;
    default: return `-- ${st.kind}`;
  }
}
