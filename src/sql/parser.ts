/**
 * The statement parser (recursive descent over the token stream; queries in parser-query.ts,
 * expressions in parser-expr.ts). `parse(sql)` parses exactly one statement (a trailing ';' is allowed) and
 * returns it with the parameter names it uses.
 */
import type {
  ColumnDef, ConflictAction, Cte, Expr, FromItem, IndexedColumn, OrderTerm, ResultColumn, Select, Statement, TableConstraint, Upsert,
} from './ast.js';
import { RESERVED } from './parser-expr.js';
import { QueryParser } from './parser-query.js';

export interface Parsed { readonly stmt: Statement; readonly params: string[] }

export function parse(sql: string): Parsed {
  const p = new Parser(sql);
  const stmt = p.statement();
  return { stmt, params: p.params };
}

class Parser extends QueryParser {
  private atEnd(): boolean { return this.tok.kind === 'eof'; }

  statement(): Statement {
    while (this.acceptOp(';')) { /* empty statements before */ }
    if (this.tok.kind === 'eof') this.error(this.tok, 'empty statement');
    const s = this.parseStatement();
    while (this.acceptOp(';')) { /* trailing */ }
    if (!this.atEnd()) this.error();
    return s;
  }

  private parseStatement(): Statement {
    const start = this.tok.start;
    const t = this.tok;
    if (t.kind !== 'ident') return this.error();
    const end = (): number => this.prevEnd;
    switch (t.text) {
      case 'SELECT': case 'VALUES': return this.parseSelect();
      case 'WITH': {
        const save = this.pos;
        const sel = this.tryWithDml();
        if (sel) return sel;
        this.pos = save;
        return this.parseSelect();
      }
      case 'INSERT': case 'REPLACE': return this.parseInsert(start, undefined);
      case 'UPDATE': return this.parseUpdate(start, undefined);
      case 'DELETE': return this.parseDelete(start, undefined);
      case 'CREATE': return this.parseCreate(start);
      case 'DROP': {
        this.pos++;
        const what = this.next().text;
        if (what !== 'TABLE' && what !== 'INDEX' && what !== 'VIEW' && what !== 'TRIGGER') this.error(this.toks[this.pos - 1]);
        let ifExists = false;
        if (this.acceptKw('IF')) { this.expectKw('EXISTS'); ifExists = true; }
        const name = this.qualifiedName();
        return { kind: 'drop', what, name, ifExists, start, end: end() };
      }
      case 'ALTER': return this.parseAlter(start);
      case 'BEGIN':
        this.pos++;
        if (this.acceptKw('DEFERRED') || this.acceptKw('IMMEDIATE') || this.acceptKw('EXCLUSIVE')) { /* all the same here */ }
        this.acceptKw('TRANSACTION');
        return { kind: 'begin', start, end: end() };
      case 'COMMIT': case 'END':
        this.pos++; this.acceptKw('TRANSACTION');
        return { kind: 'commit', start, end: end() };
      case 'ROLLBACK':
        this.pos++; this.acceptKw('TRANSACTION');
        if (this.isKw('TO')) this.error(this.tok, 'savepoints are not supported');
        return { kind: 'rollback', start, end: end() };
      case 'VACUUM': this.pos++; return { kind: 'vacuum', start, end: end() };
      case 'PRAGMA': {
        this.pos++;
        const name = this.qualifiedName();
        let arg: string | undefined;
        const value = (): string => {
          const t = this.next();
          if (t.kind === 'ident' || t.kind === 'qident' || t.kind === 'string' || t.kind === 'integer') return t.kind === 'ident' ? this.sql.slice(t.start, t.end) : t.text;
          return this.error(t);
        };
        if (this.acceptOp('=')) arg = value();
        else if (this.acceptOp('(')) { arg = value(); this.expectOp(')'); }
        return { kind: 'pragma', name, start, end: end(), ...(arg !== undefined ? { arg } : {}) };
      }
      case 'ANALYZE': this.pos++; if (this.isIdent()) this.qualifiedName(); return { kind: 'analyze', start, end: end() };
      case 'REINDEX': { this.pos++; const name = this.isIdent() ? this.qualifiedName() : undefined; return { kind: 'reindex', start, end: end(), ...(name ? { name } : {}) }; }
      case 'EXPLAIN': {
        this.pos++;
        let queryPlan = false;
        if (this.acceptKw('QUERY')) { this.expectKw('PLAN'); queryPlan = true; }
        const stmt = this.parseStatement();
        return { kind: 'explain', queryPlan, stmt, start, end: end() };
      }
    }
    return this.error();
  }

  private tryWithDml(): Statement | undefined {
    const start = this.tok.start;
    const ctes = this.parseWith();
    if (this.isKw('INSERT') || this.isKw('REPLACE')) return this.parseInsert(start, ctes);
    if (this.isKw('UPDATE')) return this.parseUpdate(start, ctes);
    if (this.isKw('DELETE')) return this.parseDelete(start, ctes);
    return undefined;
  }

  private parseConflictClause(): ConflictAction | undefined {
    if (!this.acceptKw('ON')) return undefined;
    this.expectKw('CONFLICT');
    return this.parseConflictAction();
  }
  private parseConflictAction(): ConflictAction {
    const t = this.next();
    if (t.kind === 'ident' && ['ABORT', 'FAIL', 'IGNORE', 'REPLACE', 'ROLLBACK'].includes(t.text)) return t.text as ConflictAction;
    return this.error(t);
  }

  private parseReturning(): ResultColumn[] | undefined {
    return this.acceptKw('RETURNING') ? this.parseResultColumns() : undefined;
  }

  private parseInsert(start: number, withs: Cte[] | undefined): Statement {
    let or: ConflictAction | undefined;
    if (this.acceptKw('REPLACE')) or = 'REPLACE';
    else {
      this.expectKw('INSERT');
      if (this.acceptKw('OR')) or = this.parseConflictAction();
    }
    this.expectKw('INTO');
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.ident();
    let columns: string[] | undefined;
    if (this.acceptOp('(')) columns = this.identList();
    let select: Select | undefined;
    let defaultValues = false;
    if (this.acceptKw('DEFAULT')) { this.expectKw('VALUES'); defaultValues = true; }
    else select = this.parseSelect();
    const upsert: Upsert[] = [];
    while (this.isKw('ON') && this.isKw('CONFLICT', 1)) {
      this.pos += 2;
      let target: string[] | undefined;
      let targetWhere: Expr | undefined;
      if (this.acceptOp('(')) {
        target = [];
        do { target.push(this.ident()); if (this.acceptKw('COLLATE')) this.ident(); this.acceptKw('ASC') || this.acceptKw('DESC'); } while (this.acceptOp(','));
        this.expectOp(')');
        if (this.acceptKw('WHERE')) targetWhere = this.parseExpr();
      }
      this.expectKw('DO');
      if (this.acceptKw('NOTHING')) {
        upsert.push({ action: 'nothing', ...(target ? { target } : {}), ...(targetWhere ? { targetWhere } : {}) });
      } else {
        this.expectKw('UPDATE');
        this.expectKw('SET');
        const set = this.parseSetList();
        let where: Expr | undefined;
        if (this.acceptKw('WHERE')) where = this.parseExpr();
        upsert.push({ action: 'update', set, ...(target ? { target } : {}), ...(targetWhere ? { targetWhere } : {}), ...(where ? { where } : {}) });
      }
    }
    const returning = this.parseReturning();
    return {
      kind: 'insert', table, defaultValues, upsert, start, end: this.prevEnd,
      ...(withs ? { with: withs } : {}), ...(or ? { or } : {}), ...(alias ? { alias } : {}), ...(columns ? { columns } : {}),
      ...(select ? { select } : {}), ...(returning ? { returning } : {}),
    };
  }

  private parseSetList(): { columns: string[]; expr: Expr }[] {
    const set: { columns: string[]; expr: Expr }[] = [];
    do {
      let columns: string[];
      if (this.acceptOp('(')) columns = this.identList();
      else columns = [this.ident()];
      this.expectOp('=');
      set.push({ columns, expr: this.parseExpr() });
    } while (this.acceptOp(','));
    return set;
  }

  private parseOrderLimit(): { orderBy?: OrderTerm[]; limit?: Expr; offset?: Expr } {
    const out: { orderBy?: OrderTerm[]; limit?: Expr; offset?: Expr } = {};
    if (this.acceptKw('ORDER')) { this.expectKw('BY'); out.orderBy = this.parseOrderTerms(); }
    if (this.acceptKw('LIMIT')) {
      out.limit = this.parseExpr();
      if (this.acceptKw('OFFSET')) out.offset = this.parseExpr();
      else if (this.acceptOp(',')) { out.offset = out.limit; out.limit = this.parseExpr(); }
    }
    return out;
  }

  private parseUpdate(start: number, withs: Cte[] | undefined): Statement {
    this.expectKw('UPDATE');
    let or: ConflictAction | undefined;
    if (this.acceptKw('OR')) or = this.parseConflictAction();
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.ident(); else if (this.isIdent() && !this.isKw('SET')) alias = this.ident();
    this.expectKw('SET');
    const set = this.parseSetList();
    let from: FromItem | undefined;
    if (this.acceptKw('FROM')) from = this.parseFrom();
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.parseExpr();
    const returning = this.parseReturning();
    const ol = this.parseOrderLimit();
    return {
      kind: 'update', table, set, start, end: this.prevEnd, ...ol,
      ...(withs ? { with: withs } : {}), ...(or ? { or } : {}), ...(alias ? { alias } : {}), ...(from ? { from } : {}),
      ...(where ? { where } : {}), ...(returning ? { returning } : {}),
    };
  }

  private parseDelete(start: number, withs: Cte[] | undefined): Statement {
    this.expectKw('DELETE');
    this.expectKw('FROM');
    const table = this.qualifiedName();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.ident(); else if (this.isIdent()) alias = this.ident();
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.parseExpr();
    const returning = this.parseReturning();
    const ol = this.parseOrderLimit();
    return {
      kind: 'delete', table, start, end: this.prevEnd, ...ol,
      ...(withs ? { with: withs } : {}), ...(alias ? { alias } : {}), ...(where ? { where } : {}), ...(returning ? { returning } : {}),
    };
  }

  private parseCreate(start: number): Statement {
    this.expectKw('CREATE');
    const temp = this.acceptKw('TEMP') || this.acceptKw('TEMPORARY');
    const unique = this.acceptKw('UNIQUE');
    const ifNotExists = (): boolean => {
      if (this.acceptKw('IF')) { this.expectKw('NOT'); this.expectKw('EXISTS'); return true; }
      return false;
    };
    if (this.acceptKw('INDEX')) {
      const ine = ifNotExists();
      const name = this.qualifiedName();
      this.expectKw('ON');
      const table = this.ident();
      this.expectOp('(');
      const columns: IndexedColumn[] = [];
      do {
        const t = this.tok;
        const name = this.ident();
        if (this.isOp('(') || this.isOp('.')) this.error(t, 'indexes on expressions are not supported');
        let collation: string | undefined;
        if (this.acceptKw('COLLATE')) collation = this.ident(true).toUpperCase();
        let desc = false;
        if (this.acceptKw('DESC')) desc = true; else this.acceptKw('ASC');
        columns.push(collation ? { name, desc, collation } : { name, desc });
      } while (this.acceptOp(','));
      this.expectOp(')');
      let where: Expr | undefined;
      if (this.acceptKw('WHERE')) where = this.parseExpr();
      return { kind: 'createIndex', name, table, unique, ifNotExists: ine, columns, start, end: this.prevEnd, ...(where ? { where } : {}) };
    }
    if (unique) this.error();
    if (this.acceptKw('VIEW')) {
      const ine = ifNotExists();
      const name = this.qualifiedName();
      let columns: string[] | undefined;
      if (this.acceptOp('(')) columns = this.identList();
      this.expectKw('AS');
      const select = this.parseSelect();
      return { kind: 'createView', name, ifNotExists: ine, select, start, end: this.prevEnd, ...(columns ? { columns } : {}) };
    }
    if (this.acceptKw('TRIGGER')) return this.parseTrigger(start, ifNotExists());
    this.expectKw('TABLE');
    const ine = ifNotExists();
    const name = this.qualifiedName();
    if (this.acceptKw('AS')) {
      const asSelect = this.parseSelect();
      return { kind: 'createTable', name, ifNotExists: ine, temp, columns: [], constraints: [], withoutRowid: false, asSelect, start, end: this.prevEnd };
    }
    this.expectOp('(');
    const columns: ColumnDef[] = [];
    const constraints: TableConstraint[] = [];
    do {
      if (this.isKw('CONSTRAINT') || this.isKw('PRIMARY') || this.isKw('UNIQUE') || this.isKw('CHECK') || this.isKw('FOREIGN')) {
        constraints.push(...this.parseTableConstraint());
      } else {
        columns.push(this.parseColumnDef());
      }
    } while (this.acceptOp(','));
    this.expectOp(')');
    let withoutRowid = false;
    if (this.acceptKw('WITHOUT')) { const t = this.next(); if (t.text !== 'ROWID') this.error(t); withoutRowid = true; }
    this.acceptKw('STRICT');
    return { kind: 'createTable', name, ifNotExists: ine, temp, columns, constraints, withoutRowid, start, end: this.prevEnd };
  }

  /** CREATE TRIGGER after the TRIGGER keyword: timing, event, table, WHEN, BEGIN stmt; … END. */
  private parseTrigger(start: number, ifNotExists: boolean): Statement {
    const name = this.qualifiedName();
    let timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF' = 'BEFORE';
    if (this.acceptKw('BEFORE')) timing = 'BEFORE';
    else if (this.acceptKw('AFTER')) timing = 'AFTER';
    else if (this.acceptKw('INSTEAD')) { this.expectKw('OF'); timing = 'INSTEAD OF'; }
    let event: 'INSERT' | 'UPDATE' | 'DELETE';
    let columns: string[] | undefined;
    if (this.acceptKw('INSERT')) event = 'INSERT';
    else if (this.acceptKw('DELETE')) event = 'DELETE';
    else {
      this.expectKw('UPDATE');
      event = 'UPDATE';
      if (this.acceptKw('OF')) { columns = []; do columns.push(this.ident()); while (this.acceptOp(',')); }
    }
    this.expectKw('ON');
    const table = this.qualifiedName();
    if (this.acceptKw('FOR')) { this.expectKw('EACH'); this.expectKw('ROW'); }
    let when: Expr | undefined;
    if (this.acceptKw('WHEN')) when = this.parseExpr();
    this.expectKw('BEGIN');
    const body: Statement[] = [];
    do {
      const t = this.tok;
      if (!(t.kind === 'ident' && ['INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'SELECT', 'VALUES', 'WITH'].includes(t.text))) this.error(t);
      body.push(this.parseTriggerStatement());
      this.expectOp(';');
    } while (!this.isKw('END'));
    this.expectKw('END');
    return {
      kind: 'createTrigger', name, ifNotExists, timing, event, table, body, start, end: this.prevEnd,
      ...(columns ? { columns } : {}), ...(when ? { when } : {}),
    };
  }

  private parseTriggerStatement(): Statement {
    const start = this.tok.start;
    if (this.isKw('INSERT') || this.isKw('REPLACE')) return this.parseInsert(start, undefined);
    if (this.isKw('UPDATE')) return this.parseUpdate(start, undefined);
    if (this.isKw('DELETE')) return this.parseDelete(start, undefined);
    return this.parseSelect();
  }

  private parseTableConstraint(): TableConstraint[] {
    if (this.acceptKw('CONSTRAINT')) this.ident();
    if (this.acceptKw('PRIMARY')) {
      this.expectKw('KEY');
      this.expectOp('(');
      const cols = this.indexedNames();
      const onConflict = this.parseConflictClause();
      return [{ kind: 'primary', columns: cols, ...(onConflict ? { onConflict } : {}) }];
    }
    if (this.acceptKw('UNIQUE')) {
      this.expectOp('(');
      const cols = this.indexedNames();
      const onConflict = this.parseConflictClause();
      return [{ kind: 'unique', columns: cols, ...(onConflict ? { onConflict } : {}) }];
    }
    if (this.acceptKw('CHECK')) {
      this.expectOp('(');
      const expr = this.parseExpr();
      this.expectOp(')');
      return [{ kind: 'check', expr }];
    }
    this.expectKw('FOREIGN');
    this.expectKw('KEY');
    this.expectOp('(');
    this.identList();
    this.skipReferences();
    return [];
  }

  private indexedNames(): string[] {
    const out: string[] = [];
    do {
      out.push(this.ident());
      if (this.acceptKw('COLLATE')) this.ident(true);
      this.acceptKw('ASC') || this.acceptKw('DESC');
    } while (this.acceptOp(','));
    this.expectOp(')');
    return out;
  }

  /** REFERENCES t(cols) [ON DELETE ...] — parsed and ignored (foreign keys are off, as SQLite's default). */
  private skipReferences(): void {
    this.expectKw('REFERENCES');
    this.ident();
    if (this.acceptOp('(')) this.identList();
    while (this.isKw('ON') || this.isKw('MATCH') || this.isKw('DEFERRABLE') || (this.isKw('NOT') && this.isKw('DEFERRABLE', 1))) {
      if (this.acceptKw('MATCH')) { this.ident(); continue; }
      if (this.acceptKw('NOT') || this.acceptKw('DEFERRABLE')) {
        this.acceptKw('DEFERRABLE');
        if (this.acceptKw('INITIALLY')) this.next();
        continue;
      }
      this.pos++;
      this.next();
      if (this.acceptKw('SET')) this.next(); else if (this.acceptKw('NO')) this.next(); else this.next();
    }
  }

  private parseColumnDef(): ColumnDef {
    const name = this.ident(true);
    let type = '';
    if (this.tok.kind === 'ident' && !RESERVED.has(this.tok.text) && !['CONSTRAINT'].includes(this.tok.text)) type = this.parseTypeName();
    let primaryKey: ColumnDef['primaryKey'];
    let notNull = false;
    let unique = false;
    let dflt: Expr | undefined;
    const check: Expr[] = [];
    let collation: string | undefined;
    for (;;) {
      if (this.acceptKw('CONSTRAINT')) this.ident();
      if (this.acceptKw('PRIMARY')) {
        this.expectKw('KEY');
        let desc = false;
        if (this.acceptKw('DESC')) desc = true; else this.acceptKw('ASC');
        const onConflict = this.parseConflictClause();
        const autoincrement = this.acceptKw('AUTOINCREMENT');
        primaryKey = { desc, autoincrement, ...(onConflict ? { onConflict } : {}) };
      } else if (this.acceptKw('NOT')) {
        this.expectKw('NULL'); notNull = true; this.parseConflictClause();
      } else if (this.acceptKw('NULL')) {
        this.parseConflictClause();
      } else if (this.acceptKw('UNIQUE')) {
        unique = true; this.parseConflictClause();
      } else if (this.acceptKw('DEFAULT')) {
        const t = this.tok;
        if (this.acceptOp('(')) { dflt = this.parseExpr(); this.expectOp(')'); }
        else if (t.kind === 'op' && (t.text === '-' || t.text === '+')) { dflt = this.parseExpr(11); }
        else if (t.kind === 'integer' || t.kind === 'float' || t.kind === 'string' || t.kind === 'blob' || (t.kind === 'ident' && ['NULL', 'TRUE', 'FALSE', 'CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP'].includes(t.text))) dflt = this.parseExpr(11);
        else if (t.kind === 'ident' || t.kind === 'qident') { this.pos++; dflt = { kind: 'lit', value: t.text === t.text.toUpperCase() && t.kind === 'ident' ? this.sql.slice(t.start, t.end) : t.text, start: t.start, end: t.end }; }
        else this.error();
      } else if (this.acceptKw('CHECK')) {
        this.expectOp('('); check.push(this.parseExpr()); this.expectOp(')');
      } else if (this.acceptKw('COLLATE')) {
        collation = this.ident(true).toUpperCase();
      } else if (this.isKw('REFERENCES')) {
        this.skipReferences();
      } else if (this.acceptKw('GENERATED') || this.isKw('AS')) {
        this.error(this.tok, 'generated columns are not supported');
      } else break;
    }
    return {
      name, type, notNull, unique, check,
      ...(primaryKey ? { primaryKey } : {}), ...(dflt ? { default: dflt } : {}), ...(collation ? { collation } : {}),
    };
  }

  private parseAlter(start: number): Statement {
    this.expectKw('ALTER');
    this.expectKw('TABLE');
    const table = this.qualifiedName();
    if (this.acceptKw('RENAME')) {
      if (this.acceptKw('TO')) return { kind: 'alterTable', table, action: { kind: 'rename', to: this.ident() }, start, end: this.prevEnd };
      this.acceptKw('COLUMN');
      const from = this.ident();
      this.expectKw('TO');
      return { kind: 'alterTable', table, action: { kind: 'renameColumn', from, to: this.ident() }, start, end: this.prevEnd };
    }
    if (this.acceptKw('ADD')) {
      this.acceptKw('COLUMN');
      const columnStart = this.tok.start;
      return { kind: 'alterTable', table, action: { kind: 'addColumn', column: this.parseColumnDef(), columnStart }, start, end: this.prevEnd };
    }
    if (this.acceptKw('DROP')) {
      this.acceptKw('COLUMN');
      return { kind: 'alterTable', table, action: { kind: 'dropColumn', name: this.ident() }, start, end: this.prevEnd };
    }
    return this.error();
  }
}
