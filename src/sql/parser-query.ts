/**
 * The query part of the parser: SELECT (compound, VALUES, ORDER BY, LIMIT), WITH, FROM with
 * joins and subqueries, result columns and aliases. Statements (DML, DDL, transactions) are in
 * parser.ts, expressions in parser-expr.ts.
 */
import type { Cte, Expr, FromItem, OrderTerm, ResultColumn, Select, SelectCore } from './ast.js';
import { ExprParser } from './parser-expr.js';

export class QueryParser extends ExprParser {
  protected qualifiedName(): string {
    const n = this.ident();
    if (this.acceptOp('.')) {
      if (n.toLowerCase() !== 'main') this.error(this.toks[this.pos - 2], `unknown database ${n}`);
      return this.ident();
    }
    return n;
  }

  protected parseWith(): Cte[] {
    this.expectKw('WITH');
    if (this.acceptKw('RECURSIVE')) { /* recursive CTEs are rejected when a CTE references itself */ }
    const ctes: Cte[] = [];
    do {
      const name = this.ident();
      let columns: string[] | undefined;
      if (this.acceptOp('(')) { columns = this.identList(); }
      this.expectKw('AS');
      if (this.acceptKw('NOT')) this.expectKw('MATERIALIZED'); else this.acceptKw('MATERIALIZED');
      this.expectOp('(');
      const select = this.parseSelect();
      this.expectOp(')');
      ctes.push(columns ? { name, columns, select } : { name, select });
    } while (this.acceptOp(','));
    return ctes;
  }

  /** After '(' : ident, ident, ... ')' */
  protected identList(): string[] {
    const out: string[] = [];
    do out.push(this.ident()); while (this.acceptOp(','));
    this.expectOp(')');
    return out;
  }

  protected override parseSelect(): Select {
    this.enter();
    const start = this.tok.start;
    const withs = this.isKw('WITH') ? this.parseWith() : undefined;
    const cores: SelectCore[] = [this.parseCore()];
    const ops: Select['ops'] = [];
    for (;;) {
      let op: Select['ops'][number] | undefined;
      if (this.acceptKw('UNION')) op = this.acceptKw('ALL') ? 'UNION ALL' : 'UNION';
      else if (this.acceptKw('INTERSECT')) op = 'INTERSECT';
      else if (this.acceptKw('EXCEPT')) op = 'EXCEPT';
      if (!op) break;
      ops.push(op);
      cores.push(this.parseCore());
    }
    let orderBy: OrderTerm[] | undefined;
    if (this.acceptKw('ORDER')) { this.expectKw('BY'); orderBy = this.parseOrderTerms(); }
    let limit: Expr | undefined;
    let offset: Expr | undefined;
    if (this.acceptKw('LIMIT')) {
      limit = this.parseExpr();
      if (this.acceptKw('OFFSET')) offset = this.parseExpr();
      else if (this.acceptOp(',')) { offset = limit; limit = this.parseExpr(); }
    }
    this.leave();
    return {
      kind: 'select', cores, ops, start, end: this.prevEnd,
      ...(withs ? { with: withs } : {}), ...(orderBy ? { orderBy } : {}), ...(limit ? { limit } : {}), ...(offset ? { offset } : {}),
    };
  }

  protected parseOrderTerms(): OrderTerm[] {
    const out: OrderTerm[] = [];
    do {
      const expr = this.parseExpr();
      let desc = false;
      if (this.acceptKw('DESC')) desc = true; else this.acceptKw('ASC');
      let nulls: 'first' | 'last' | undefined;
      if (this.acceptKw('NULLS')) {
        if (this.acceptKw('FIRST')) nulls = 'first'; else { this.expectKw('LAST'); nulls = 'last'; }
      }
      out.push(nulls ? { expr, desc, nulls } : { expr, desc });
    } while (this.acceptOp(','));
    return out;
  }

  protected parseCore(): SelectCore {
    if (this.acceptKw('VALUES')) {
      const values: Expr[][] = [];
      do {
        this.expectOp('(');
        const row: Expr[] = [];
        do row.push(this.parseExpr()); while (this.acceptOp(','));
        this.expectOp(')');
        if (values.length > 0 && row.length !== values[0]!.length) this.error(this.toks[this.pos - 1], 'all VALUES must have the same number of terms');
        values.push(row);
      } while (this.acceptOp(','));
      return { kind: 'core', distinct: false, columns: [], values };
    }
    this.expectKw('SELECT');
    let distinct = false;
    if (this.acceptKw('DISTINCT')) distinct = true; else this.acceptKw('ALL');
    const columns = this.parseResultColumns();
    let from: FromItem | undefined;
    if (this.acceptKw('FROM')) from = this.parseFrom();
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.parseExpr();
    let groupBy: Expr[] | undefined;
    let having: Expr | undefined;
    if (this.acceptKw('GROUP')) {
      this.expectKw('BY');
      groupBy = [];
      do groupBy.push(this.parseExpr()); while (this.acceptOp(','));
    }
    if (this.acceptKw('HAVING')) having = this.parseExpr();
    if (this.isKw('WINDOW')) this.error(this.tok, 'window functions are not supported');
    return {
      kind: 'core', distinct, columns,
      ...(from ? { from } : {}), ...(where ? { where } : {}), ...(groupBy ? { groupBy } : {}), ...(having ? { having } : {}),
    };
  }

  protected parseResultColumns(): ResultColumn[] {
    const cols: ResultColumn[] = [];
    do {
      const t = this.tok;
      if (this.acceptOp('*')) { cols.push({ kind: 'star', start: t.start, end: t.end }); continue; }
      if (this.isIdent() && this.isOp('.', 1) && this.isOp('*', 2)) {
        const table = this.ident();
        this.pos += 2;
        cols.push({ kind: 'star', table, start: t.start, end: this.prevEnd });
        continue;
      }
      const expr = this.parseExpr();
      const alias = this.parseAlias();
      cols.push(alias !== undefined ? { kind: 'expr', expr, alias } : { kind: 'expr', expr });
    } while (this.acceptOp(','));
    return cols;
  }

  protected parseAlias(): string | undefined {
    if (this.acceptKw('AS')) return this.ident(true);
    if (this.isIdent() || this.tok.kind === 'string') return this.ident(true);
    return undefined;
  }

  protected parseFrom(): FromItem {
    let left = this.parseFromAtom();
    for (;;) {
      const start = left.start;
      if (this.acceptOp(',')) {
        const right = this.parseFromAtom();
        left = { kind: 'join', left, right, joinType: 'cross', natural: false, start, end: this.prevEnd };
        continue;
      }
      const natural = this.acceptKw('NATURAL');
      let joinType: 'inner' | 'left' | 'cross' | undefined;
      if (this.acceptKw('LEFT')) { this.acceptKw('OUTER'); joinType = 'left'; }
      else if (this.acceptKw('INNER')) joinType = 'inner';
      else if (this.acceptKw('CROSS')) joinType = 'cross';
      else if (this.isKw('RIGHT') || this.isKw('FULL')) this.error(this.tok, 'RIGHT and FULL OUTER JOIN are not supported');
      if (joinType || natural) this.expectKw('JOIN');
      else if (this.acceptKw('JOIN')) joinType = 'inner';
      else break;
      const right = this.parseFromAtom();
      let on: Expr | undefined;
      let using: string[] | undefined;
      if (this.acceptKw('ON')) on = this.parseExpr();
      else if (this.acceptKw('USING')) { this.expectOp('('); using = this.identList(); }
      left = {
        kind: 'join', left, right, joinType: joinType ?? 'inner', natural, start, end: this.prevEnd,
        ...(on ? { on } : {}), ...(using ? { using } : {}),
      };
    }
    return left;
  }

  protected parseFromAtom(): FromItem {
    const start = this.tok.start;
    if (this.acceptOp('(')) {
      if (this.isKw('SELECT') || this.isKw('VALUES') || this.isKw('WITH')) {
        const select = this.parseSelect();
        this.expectOp(')');
        const alias = this.parseAlias();
        return { kind: 'subquery', select, start, end: this.prevEnd, ...(alias !== undefined ? { alias } : {}) };
      }
      const inner = this.parseFrom();
      this.expectOp(')');
      return inner;
    }
    const name = this.qualifiedName();
    if (this.isOp('(')) this.error(this.tok, 'table-valued functions are not supported');
    const alias = this.parseAlias();
    let indexedBy: string | undefined;
    if (this.acceptKw('INDEXED')) { this.expectKw('BY'); indexedBy = this.ident(); }
    else if (this.acceptKw('NOT')) this.expectKw('INDEXED');
    return { kind: 'table', name, start, end: this.prevEnd, ...(alias !== undefined ? { alias } : {}), ...(indexedBy ? { indexedBy } : {}) };
  }

}
