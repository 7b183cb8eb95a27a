/**
 * The parser's base: token navigation, error reporting (SQL_SYNTAX with the byte offset and the
 * offending token) and expressions by precedence climbing, following SQLite's operator table:
 *   OR < AND < NOT < (= != IS IN LIKE GLOB BETWEEN ISNULL NOTNULL) < (< <= > >=)
 *      < (& | << >>) < (+ -) < (* / %) < (||) < COLLATE < unary (- + ~)
 * Statements are in parser.ts.
 */
import { sqlSyntax } from '../errors.js';
import type { Expr, Select } from './ast.js';
import { byteOffset, tokenize, type Token } from './lexer.js';

/** Keywords that cannot be used as bare identifiers or implicit aliases. */
export const RESERVED = new Set(('ADD ALL ALTER AND AS BETWEEN BY CASE CAST CHECK COLLATE COMMIT CONSTRAINT CREATE CROSS DEFAULT DELETE ' +
  'DISTINCT DROP ELSE END ESCAPE EXCEPT EXISTS FROM FULL GLOB GROUP HAVING IN INDEX INNER INSERT INTERSECT INTO IS ISNULL JOIN ' +
  'LEFT LIKE LIMIT NATURAL NOT NOTNULL NULL OFFSET ON OR ORDER OUTER PRIMARY REFERENCES RETURNING RIGHT SELECT SET TABLE THEN TO ' +
  'UNION UNIQUE UPDATE USING VALUES WHEN WHERE WINDOW WITH').split(' '));

const MAX_DEPTH = 500;

export class ExprParser {
  protected readonly toks: Token[];
  protected pos = 0;
  /** Parameter names by index (1-based); '' for anonymous ones. */
  readonly params: string[] = [];
  private depth = 0;

  constructor(protected readonly sql: string) {
    this.toks = tokenize(sql);
  }

  protected get tok(): Token { return this.toks[this.pos]!; }
  protected peekTok(k = 1): Token { return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!; }
  protected next(): Token { const t = this.tok; if (t.kind !== 'eof') this.pos++; return t; }
  protected get prevEnd(): number { return this.toks[this.pos - 1]?.end ?? 0; }

  protected error(t: Token = this.tok, what?: string): never {
    const near = t.kind === 'eof' ? 'incomplete input' : `near "${this.sql.slice(t.start, t.end)}": syntax error`;
    throw sqlSyntax(what ? `${what} (${near})` : near, byteOffset(this.sql, t.start));
  }
  protected isKw(kw: string, k = 0): boolean { const t = this.peekTok(k); return t.kind === 'ident' && t.text === kw; }
  protected isOp(op: string, k = 0): boolean { const t = this.peekTok(k); return t.kind === 'op' && t.text === op; }
  protected acceptKw(kw: string): boolean { if (this.isKw(kw)) { this.pos++; return true; } return false; }
  protected acceptOp(op: string): boolean { if (this.isOp(op)) { this.pos++; return true; } return false; }
  protected expectKw(kw: string): void { if (!this.acceptKw(kw)) this.error(); }
  protected expectOp(op: string): void { if (!this.acceptOp(op)) this.error(); }

  /** An identifier (bare non-reserved word, quoted, or a string literal where SQLite allows one). */
  protected ident(allowString = false): string {
    const t = this.tok;
    if (t.kind === 'ident' && !RESERVED.has(t.text)) { this.pos++; return this.sql.slice(t.start, t.end); }
    if (t.kind === 'qident' || (allowString && t.kind === 'string')) { this.pos++; return t.text; }
    return this.error();
  }
  protected isIdent(k = 0): boolean {
    const t = this.peekTok(k);
    return (t.kind === 'ident' && !RESERVED.has(t.text)) || t.kind === 'qident';
  }

  protected enter(): void { if (++this.depth > MAX_DEPTH) this.error(this.tok, 'expression nested too deeply'); }
  protected leave(): void { this.depth--; }

  /** Implemented by the statement parser (subqueries inside expressions). */
  protected parseSelect(): Select { return this.error(); }

  parseExpr(minPrec = 1): Expr {
    this.enter();
    const start = this.tok.start;
    let left = this.parseUnary();
    for (;;) {
      const t = this.tok;
      let prec = 0;
      let op = '';
      if (t.kind === 'op') {
        op = t.text;
        if (op === '=' || op === '!=') prec = 4;
        else if (op === '<' || op === '<=' || op === '>' || op === '>=') prec = 5;
        else if (op === '&' || op === '|' || op === '<<' || op === '>>') prec = 7;
        else if (op === '+' || op === '-') prec = 8;
        else if (op === '*' || op === '/' || op === '%') prec = 9;
        else if (op === '||' || op === '->' || op === '->>') prec = 10;
      } else if (t.kind === 'ident') {
        op = t.text;
        if (op === 'OR') prec = 1;
        else if (op === 'AND') prec = 2;
        else if (op === 'IS' || op === 'IN' || op === 'LIKE' || op === 'GLOB' || op === 'BETWEEN' || op === 'ISNULL' || op === 'NOTNULL' || op === 'REGEXP' || op === 'MATCH') prec = 4;
        else if (op === 'NOT' && (this.isKw('IN', 1) || this.isKw('LIKE', 1) || this.isKw('GLOB', 1) || this.isKw('BETWEEN', 1) || this.isKw('NULL', 1) || this.isKw('REGEXP', 1) || this.isKw('MATCH', 1))) prec = 4;
        else if (op === 'COLLATE') prec = 11;
      }
      if (prec === 0 || prec < minPrec) break;
      this.pos++;
      if (prec === 11) {
        const collation = this.ident(true);
        left = { kind: 'collate', expr: left, collation: collation.toUpperCase(), start, end: this.prevEnd };
        continue;
      }
      if (prec !== 4) {
        const right = this.parseExpr(prec + 1);
        left = { kind: 'binary', op, left, right, start, end: this.prevEnd };
        continue;
      }
      left = this.parseEqualityTail(left, op, start);
    }
    this.leave();
    return left;
  }

  private parseEqualityTail(left: Expr, op: string, start: number): Expr {
    let not = false;
    if (op === 'NOT') { not = true; op = this.next().text; }
    switch (op) {
      case '=': case '!=':
        return { kind: 'binary', op, left, right: this.parseExpr(5), start, end: this.prevEnd };
      case 'ISNULL': return { kind: 'isnull', not: false, expr: left, start, end: this.prevEnd };
      case 'NOTNULL': return { kind: 'isnull', not: true, expr: left, start, end: this.prevEnd };
      case 'NULL': return { kind: 'isnull', not: true, expr: left, start, end: this.prevEnd };
      case 'IS': {
        let isNot = this.acceptKw('NOT');
        if (this.acceptKw('DISTINCT')) { this.expectKw('FROM'); isNot = !isNot; }
        const right = this.parseExpr(5);
        return { kind: 'binary', op: isNot ? 'ISNOT' : 'IS', left, right, start, end: this.prevEnd };
      }
      case 'BETWEEN': {
        const lo = this.parseExpr(5);
        this.expectKw('AND');
        const hi = this.parseExpr(5);
        return { kind: 'between', not, expr: left, lo, hi, start, end: this.prevEnd };
      }
      case 'LIKE': case 'GLOB': case 'REGEXP': case 'MATCH': {
        if (op === 'REGEXP' || op === 'MATCH') this.error(this.toks[this.pos - 1], `no such function: ${op}`);
        const right = this.parseExpr(5);
        let escape: Expr | undefined;
        if (this.acceptKw('ESCAPE')) escape = this.parseExpr(6);
        const e: Expr = { kind: 'like', op: op as 'LIKE' | 'GLOB', not, left, right, start, end: this.prevEnd };
        return escape ? { ...e, escape } : e;
      }
      case 'IN': {
        if (this.acceptOp('(')) {
          if (this.isKw('SELECT') || this.isKw('VALUES') || this.isKw('WITH')) {
            const select = this.parseSelect();
            this.expectOp(')');
            return { kind: 'in', not, expr: left, select, start, end: this.prevEnd };
          }
          const list: Expr[] = [];
          if (!this.isOp(')')) do list.push(this.parseExpr()); while (this.acceptOp(','));
          this.expectOp(')');
          return { kind: 'in', not, expr: left, list, start, end: this.prevEnd };
        }
        const table = this.ident();
        return { kind: 'in', not, expr: left, table, start, end: this.prevEnd };
      }
    }
    return this.error(this.toks[this.pos - 1]);
  }

  private parseUnary(): Expr {
    const t = this.tok;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.pos++;
      const nt = this.tok;
      if (t.text === '-' && nt.kind === 'integer' && nt.text === '9223372036854775808') {
        this.pos++;
        return { kind: 'lit', value: -9223372036854775808n, start: t.start, end: nt.end };
      }
      this.enter();
      const expr = this.parseUnary();
      this.leave();
      return { kind: 'unary', op: t.text as '-' | '+' | '~', expr, start: t.start, end: this.prevEnd };
    }
    if (t.kind === 'ident' && t.text === 'NOT') {
      this.pos++;
      const expr = this.parseExpr(3);
      return { kind: 'unary', op: 'NOT', expr, start: t.start, end: this.prevEnd };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    const start = t.start;
    switch (t.kind) {
      case 'integer': {
        this.pos++;
        const v = BigInt(t.text);
        if (v > 9223372036854775807n) {
          return { kind: 'lit', value: t.text.startsWith('0x') || t.text.startsWith('0X') ? BigInt.asIntN(64, v) : Number(t.text), start, end: t.end };
        }
        return { kind: 'lit', value: v, start, end: t.end };
      }
      case 'float': this.pos++; return { kind: 'lit', value: Number(t.text), start, end: t.end };
      case 'string': this.pos++; return { kind: 'lit', value: t.text, start, end: t.end };
      case 'blob': {
        this.pos++;
        return { kind: 'lit', value: Uint8Array.from(Buffer.from(t.text, 'hex')), start, end: t.end };
      }
      case 'param': return this.parseParam();
      case 'op':
        if (t.text === '(') {
          this.pos++;
          if (this.isKw('SELECT') || this.isKw('VALUES') || this.isKw('WITH')) {
            const select = this.parseSelect();
            this.expectOp(')');
            return { kind: 'subquery', select, start, end: this.prevEnd };
          }
          const e = this.parseExpr();
          if (this.isOp(',')) this.error(this.tok, 'row values are not supported');
          this.expectOp(')');
          return { ...e, start, end: this.prevEnd };
        }
        return this.error();
      case 'qident': return this.parseColumnOrCall();
      case 'ident': break;
      default: return this.error();
    }
    switch (t.text) {
      case 'NULL': this.pos++; return { kind: 'lit', value: null, start, end: t.end };
      case 'TRUE': if (!this.isOp('(', 1) && !this.isOp('.', 1)) { this.pos++; return { kind: 'lit', value: 1n, start, end: t.end }; } break;
      case 'FALSE': if (!this.isOp('(', 1) && !this.isOp('.', 1)) { this.pos++; return { kind: 'lit', value: 0n, start, end: t.end }; } break;
      case 'CURRENT_TIME': case 'CURRENT_DATE': case 'CURRENT_TIMESTAMP': {
        this.pos++;
        const fn = t.text === 'CURRENT_TIME' ? 'time' : t.text === 'CURRENT_DATE' ? 'date' : 'datetime';
        return { kind: 'fn', name: fn, args: [], distinct: false, star: false, start, end: t.end };
      }
      case 'CASE': return this.parseCase();
      case 'CAST': {
        this.pos++;
        this.expectOp('(');
        const expr = this.parseExpr();
        this.expectKw('AS');
        const type = this.parseTypeName();
        this.expectOp(')');
        return { kind: 'cast', expr, type, start, end: this.prevEnd };
      }
      case 'EXISTS': {
        this.pos++;
        this.expectOp('(');
        const select = this.parseSelect();
        this.expectOp(')');
        return { kind: 'exists', not: false, select, start, end: this.prevEnd };
      }
      case 'RAISE': {
        this.pos++;
        this.expectOp('(');
        const a = this.next();
        if (a.kind !== 'ident' || !['IGNORE', 'ROLLBACK', 'ABORT', 'FAIL'].includes(a.text)) this.error(a);
        const action = a.text as 'IGNORE' | 'ROLLBACK' | 'ABORT' | 'FAIL';
        let message: string | undefined;
        if (action !== 'IGNORE') {
          this.expectOp(',');
          const m = this.next();
          if (m.kind !== 'string') this.error(m);
          message = m.text;
        }
        this.expectOp(')');
        return { kind: 'raise', action, start, end: this.prevEnd, ...(message !== undefined ? { message } : {}) };
      }
    }
    if (RESERVED.has(t.text)) return this.error();
    return this.parseColumnOrCall();
  }

  private parseParam(): Expr {
    const t = this.next();
    let index: number;
    if (t.text === '?') {
      index = this.params.length + 1;
      this.params.push('');
    } else if (t.text[0] === '?') {
      index = Number(t.text.slice(1));
      if (!Number.isInteger(index) || index < 1 || index > 32766) this.error(t, 'variable number must be between ?1 and ?32766');
      while (this.params.length < index) this.params.push('');
    } else {
      const found = this.params.indexOf(t.text);
      if (found >= 0) index = found + 1;
      else { this.params.push(t.text); index = this.params.length; }
      return { kind: 'param', index, name: t.text, start: t.start, end: t.end };
    }
    return { kind: 'param', index, start: t.start, end: t.end };
  }

  private parseCase(): Expr {
    const start = this.next().start;
    let base: Expr | undefined;
    if (!this.isKw('WHEN')) base = this.parseExpr();
    const whens: [Expr, Expr][] = [];
    while (this.acceptKw('WHEN')) {
      const w = this.parseExpr();
      this.expectKw('THEN');
      whens.push([w, this.parseExpr()]);
    }
    if (whens.length === 0) this.error();
    let els: Expr | undefined;
    if (this.acceptKw('ELSE')) els = this.parseExpr();
    this.expectKw('END');
    const e: Expr = { kind: 'case', whens, start, end: this.prevEnd };
    return { ...e, ...(base ? { base } : {}), ...(els ? { else: els } : {}) };
  }

  private parseColumnOrCall(): Expr {
    const start = this.tok.start;
    const quoted = this.tok.kind === 'qident' && this.sql[this.tok.start] === '"';
    const first = this.tok.kind === 'qident' ? this.next().text : this.sql.slice(this.tok.start, this.next().end);
    if (this.toks[this.pos - 1]!.kind === 'ident' && this.isOp('(')) {
      this.pos++;
      const name = first.toLowerCase();
      if (this.acceptOp('*')) {
        this.expectOp(')');
        return { kind: 'fn', name, args: [], distinct: false, star: true, start, end: this.prevEnd };
      }
      const distinct = this.acceptKw('DISTINCT');
      if (!distinct) this.acceptKw('ALL');
      const args: Expr[] = [];
      if (!this.isOp(')')) do args.push(this.parseExpr()); while (this.acceptOp(','));
      this.expectOp(')');
      if (this.isKw('FILTER') || this.isKw('OVER')) this.error(this.tok, 'window functions and FILTER are not supported');
      return { kind: 'fn', name, args, distinct, star: false, start, end: this.prevEnd };
    }
    if (this.acceptOp('.')) {
      const second = this.ident();
      if (this.acceptOp('.')) {
        const third = this.ident();
        return { kind: 'col', table: second, name: third, start, end: this.prevEnd };
      }
      return { kind: 'col', table: first, name: second, start, end: this.prevEnd };
    }
    return quoted ? { kind: 'col', name: first, quoted, start, end: this.prevEnd } : { kind: 'col', name: first, start, end: this.prevEnd };
  }

  /** A type name: words plus an optional (n) or (n, m); returned as written, e.g. "VARCHAR(10)". */
  protected parseTypeName(): string {
    const parts: string[] = [];
    while (this.tok.kind === 'ident' && !RESERVED.has(this.tok.text) || (parts.length === 0 && this.tok.kind === 'qident')) {
      parts.push(this.next().text);
    }
    if (parts.length === 0) this.error();
    let type = parts.join(' ');
    if (this.acceptOp('(')) {
      const s = this.tok.start;
      let depth = 1;
      while (depth > 0) {
        const t = this.next();
        if (t.kind === 'eof') this.error(t);
        if (t.kind === 'op' && t.text === '(') depth++;
        if (t.kind === 'op' && t.text === ')') depth--;
      }
      type += `(${this.sql.slice(s, this.toks[this.pos - 1]!.start)})`;
    }
    return type;
  }
}
