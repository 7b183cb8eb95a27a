/**
 * A small SQL scanner for custom methods (`[[api.methods]]`): it finds the named parameters
 * (`:name`, `@name`, `$name`), rewrites them to numbered ones (`?1`, `?2`, … in order of first
 * appearance, the same number for every use of a name) because the injected `exec` binds
 * positionally, and finds the column each parameter meets so the request field can be typed.
 *
 * "Meets" is lexical, not semantic (net does not import the SQL layer): the parameter is one side
 * of a comparison or assignment whose other side is a column name (`status = :status`,
 * `:min <= t.total_price`, `name LIKE :pattern`). A parameter that meets no column is typed
 * from the column of the same name; failing that, the method is rejected with a message that
 * says how to fix it. Comments, string literals and quoted identifiers are skipped correctly.
 */
import { HeliosError } from '../../errors.js';

type Tok = { kind: 'ident' | 'param' | 'op' | 'punct' | 'literal'; text: string; start: number; end: number; quoted?: boolean };

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=', 'LIKE', 'GLOB', 'IS', 'MATCH', 'REGEXP']);

function configError(method: string, msg: string): HeliosError {
  return new HeliosError('SQL_ERROR', `custom method ${method}: ${msg}`);
}

export function tokenize(sql: string, method: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { const e = sql.indexOf('\n', i); i = e < 0 ? n : e + 1; continue; }
    if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      if (e < 0) throw configError(method, `unterminated comment at offset ${i}`);
      i = e + 2;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i++;
      let text = '';
      for (;;) {
        if (i >= n) throw configError(method, `unterminated ${c === "'" ? 'string' : 'quoted identifier'} at offset ${start}`);
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) { text += close; i += 2; continue; }
          i++;
          break;
        }
        text += sql[i++];
      }
      out.push(c === "'" ? { kind: 'literal', text, start, end: i } : { kind: 'ident', text, start, end: i, quoted: true });
      continue;
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      out.push({ kind: 'ident', text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) i++;
      out.push({ kind: 'literal', text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === '?') {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), start, end: i });
      continue;
    }
    if ((c === ':' || c === '@' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[A-Za-z0-9_]/.test(sql[i]!)) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), start, end: i });
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (['==', '!=', '<>', '<=', '>=', '||', '<<', '>>'].includes(two)) { i += 2; out.push({ kind: 'op', text: two, start, end: i }); continue; }
    i++;
    out.push({ kind: /[=<>]/.test(c) ? 'op' : 'punct', text: c, start, end: i });
  }
  return out;
}

export interface MethodParam {
  /** The name without its sigil. */
  name: string;
  /** The column it meets (lexically), or undefined. */
  column: string | undefined;
  /** Set when the position alone fixes the type: `LIMIT :n`, `OFFSET :n` are integers. */
  integer?: true;
}

export interface ParsedMethodSql {
  /** The SQL with every named parameter replaced by `?N`. */
  sql: string;
  /** In order of first appearance: `params[k]` binds `?{k+1}`. */
  params: MethodParam[];
  /** Whether the statement yields whole rows of its table (`SELECT *` or `RETURNING *`). */
  returnsRows: boolean;
  isSelect: boolean;
}

/** Tokens of the parenthesised group opening at `open`, split at its top-level commas. */
function group(toks: Tok[], open: number): { items: Tok[][]; end: number } | null {
  if (toks[open]?.text !== '(') return null;
  const items: Tok[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')' && depth-- === 0) return { items, end: i };
    else if (t.text === ',' && depth === 0) { items.push([]); continue; }
    items[items.length - 1]!.push(t);
  }
  return null;
}

/**
 * `INSERT INTO t (c1, c2) VALUES (:a, :b)`: a parameter that is a whole value meets the column
 * in the same position (first row of VALUES only).
 */
function insertColumns(toks: Tok[], params: MethodParam[], byName: Map<string, number>): void {
  const values = toks.findIndex((t) => t.kind === 'ident' && !t.quoted && t.text.toUpperCase() === 'VALUES');
  if (values < 0) return;
  let open = values - 1;
  if (toks[open]?.text !== ')') return;
  for (let depth = 0; open >= 0; open--) {
    if (toks[open]!.text === ')') depth++;
    else if (toks[open]!.text === '(' && --depth === 0) break;
  }
  const cols = group(toks, open);
  const vals = group(toks, values + 1);
  if (!cols || !vals || cols.items.length !== vals.items.length) return;
  vals.items.forEach((item, i) => {
    const c = cols.items[i]!;
    if (item.length !== 1 || item[0]!.kind !== 'param' || c.length !== 1 || c[0]!.kind !== 'ident') return;
    const p = params[byName.get(item[0]!.text.slice(1)) ?? -1];
    if (p && p.column === undefined) p.column = c[0]!.text;
  });
}

const isComparison = (t: Tok | undefined): boolean => t !== undefined && (t.kind === 'op' ? COMPARISONS.has(t.text) : t.kind === 'ident' && !t.quoted && COMPARISONS.has(t.text.toUpperCase()));

/** The column name ending at token `k` (`col` or `alias.col`), if token k is an identifier. */
const columnAt = (toks: Tok[], k: number): string | undefined => (toks[k]?.kind === 'ident' ? toks[k]!.text : undefined);

export function parseMethodSql(sql: string, method: string): ParsedMethodSql {
  const toks = tokenize(sql, method);
  const params: MethodParam[] = [];
  const byName = new Map<string, number>();
  let rewritten = '';
  let last = 0;
  toks.forEach((t, k) => {
    if (t.kind !== 'param') return;
    if (t.text.startsWith('?')) throw configError(method, `parameter ${t.text} at offset ${t.start} is positional; name it (:name) so it can become a request field`);
    const name = t.text.slice(1);
    let idx = byName.get(name);
    if (idx === undefined) {
      idx = params.length;
      byName.set(name, idx);
      params.push({ name, column: undefined });
    }
    const p = params[idx]!;
    // `col <op> :p`, with `IS NOT` and `NOT LIKE` allowed between.
    let j = k - 1;
    if (toks[j]?.kind === 'ident' && toks[j]!.text.toUpperCase() === 'NOT') j--;
    if (p.column === undefined && isComparison(toks[j])) {
      let c = j - 1;
      if (toks[c]?.kind === 'ident' && toks[c]!.text.toUpperCase() === 'NOT') c--;
      p.column = columnAt(toks, c);
    }
    // `:p <op> col`
    if (p.column === undefined && isComparison(toks[k + 1])) {
      let c = k + 2;
      if (toks[c]?.kind === 'ident' && toks[c]!.text.toUpperCase() === 'NOT') c++;
      const col = columnAt(toks, c);
      p.column = col !== undefined && toks[c + 1]?.text === '.' ? columnAt(toks, c + 2) : col;
    }
    const before = toks[k - 1];
    if (before?.kind === 'ident' && /^(LIMIT|OFFSET)$/i.test(before.text)) p.integer = true;
    rewritten += `${sql.slice(last, t.start)}?${idx + 1}`;
    last = t.end;
  });
  rewritten += sql.slice(last);
  insertColumns(toks, params, byName);
  const first = toks[0]?.text.toUpperCase();
  const isSelect = first === 'SELECT' || first === 'WITH';
  let end = toks.length - 1;
  if (toks[end]?.text === ';') end--;
  const returningStar = toks[end]?.text === '*' && toks[end - 1]?.kind === 'ident' && toks[end - 1]!.text.toUpperCase() === 'RETURNING';
  const selectStar = first === 'SELECT' && toks[1]?.text === '*';
  return { sql: rewritten, params, returnsRows: returningStar || selectStar, isSelect };
}
