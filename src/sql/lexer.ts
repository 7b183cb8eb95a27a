/**
 * The SQL lexer: SQLite's token rules (quoted identifiers "x", [x] and `x`; strings with ''
 * escapes; X'..' blobs; integer, real and hex literals; ?, ?NNN, :name, @name, $name parameters;
 * -- and C comments). Every token carries its source offset (UTF-16 index into the text) so
 * errors can point at it; {@link byteOffset} converts to the byte offset the contract reports.
 */
import { sqlSyntax } from '../errors.js';

export type TokenKind = 'ident' | 'qident' | 'string' | 'blob' | 'integer' | 'float' | 'param' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier/keyword text upper-cased (ident), operator text (op), or the decoded value. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The byte offset (UTF-8) of UTF-16 index `index` in `sql`. */
export function byteOffset(sql: string, index: number): number {
  return Buffer.byteLength(sql.slice(0, index), 'utf8');
}

const OPS3 = ['->>'];
const OPS2 = ['<=', '>=', '==', '!=', '<>', '<<', '>>', '||', '->'];
const OPS1 = '+-*/%<>=(),.;&|~';

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  const fail = (msg: string, at: number): never => {
    throw sqlSyntax(msg, byteOffset(sql, at));
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) { i++; continue; }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) { // -- comment
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) { // /* comment */ (unterminated runs to the end, as in SQLite)
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    const start = i;
    if ((c === 120 || c === 88) && sql.charCodeAt(i + 1) === 39) { // X'hex'
      const e = sql.indexOf("'", i + 2);
      if (e < 0) fail('unterminated blob literal', start);
      const hex = sql.slice(i + 2, e);
      if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) fail(`malformed blob literal near "${sql.slice(start, e + 1)}"`, start);
      out.push({ kind: 'blob', text: hex, start, end: e + 1 });
      i = e + 1;
      continue;
    }
    if (isIdStart(c)) {
      while (i < n && isIdPart(sql.charCodeAt(i))) i++;
      out.push({ kind: 'ident', text: sql.slice(start, i).toUpperCase(), start, end: i });
      continue;
    }
    if (c === 39) { // 'string'
      let s = '';
      i++;
      for (;;) {
        const e = sql.indexOf("'", i);
        if (e < 0) fail('unterminated string literal', start);
        s += sql.slice(i, e);
        if (sql.charCodeAt(e + 1) === 39) { s += "'"; i = e + 2; continue; }
        i = e + 1;
        break;
      }
      out.push({ kind: 'string', text: s, start, end: i });
      continue;
    }
    if (c === 34 || c === 96 || c === 91) { // "id" `id` [id]
      const close = c === 91 ? ']' : String.fromCharCode(c);
      let s = '';
      i++;
      for (;;) {
        const e = sql.indexOf(close, i);
        if (e < 0) fail('unterminated quoted identifier', start);
        s += sql.slice(i, e);
        if (c !== 91 && sql[e + 1] === close) { s += close; i = e + 2; continue; }
        i = e + 1;
        break;
      }
      out.push({ kind: 'qident', text: s, start, end: i });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      if (c === 48 && (sql[i + 1] === 'x' || sql[i + 1] === 'X') && /[0-9a-fA-F]/.test(sql[i + 2] ?? '')) {
        i += 2;
        while (i < n && /[0-9a-fA-F]/.test(sql[i]!)) i++;
        if (i < n && isIdPart(sql.charCodeAt(i))) fail(`unrecognized token: "${sql.slice(start, i + 1)}"`, start);
        out.push({ kind: 'integer', text: sql.slice(start, i), start, end: i });
        continue;
      }
      let isFloat = false;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      if (sql[i] === '.') { isFloat = true; i++; while (i < n && isDigit(sql.charCodeAt(i))) i++; }
      if (sql[i] === 'e' || sql[i] === 'E') {
        let j = i + 1;
        if (sql[j] === '+' || sql[j] === '-') j++;
        if (isDigit(sql.charCodeAt(j))) {
          isFloat = true;
          i = j;
          while (i < n && isDigit(sql.charCodeAt(i))) i++;
        } else fail(`unrecognized token: "${sql.slice(start, j)}"`, start);
      }
      if (i < n && isIdPart(sql.charCodeAt(i))) fail(`unrecognized token: "${sql.slice(start, i + 1)}"`, start);
      out.push({ kind: isFloat ? 'float' : 'integer', text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === 63) { // ? or ?NNN
      i++;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === 58 || c === 64 || c === 36) { // :name @name $name
      i++;
      while (i < n && isIdPart(sql.charCodeAt(i))) i++;
      if (i === start + 1) fail(`unrecognized token: "${sql[start]}"`, start);
      out.push({ kind: 'param', text: sql.slice(start, i), start, end: i });
      continue;
    }
    const three = sql.slice(i, i + 3);
    const two = sql.slice(i, i + 2);
    if (OPS3.includes(three)) { out.push({ kind: 'op', text: three, start, end: i + 3 }); i += 3; continue; }
    if (OPS2.includes(two)) { out.push({ kind: 'op', text: two === '<>' ? '!=' : two === '==' ? '=' : two, start, end: i + 2 }); i += 2; continue; }
    if (OPS1.includes(sql[i]!)) { out.push({ kind: 'op', text: sql[i]!, start, end: i + 1 }); i++; continue; }
    if (c === 33) fail('unrecognized token: "!"', start);
    fail(`unrecognized token: "${String.fromCodePoint(sql.codePointAt(i)!)}"`, start);
  }
  out.push({ kind: 'eof', text: '', start: n, end: n });
  return out;
}
