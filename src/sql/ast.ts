/**
 * The AST: immutable nodes with a `kind` and the source span [start, end) of the text they came
 * from (for error positions and for result column names, which SQLite takes from the text).
 */
import type { Value } from '../storage/api.js';

interface Span { readonly start: number; readonly end: number }

export type Expr =
  | (Span & { kind: 'lit'; value: Value })
  | (Span & { kind: 'col'; table?: string; name: string; /** "x" that may fall back to a string literal */ quoted?: boolean })
  | (Span & { kind: 'param'; index: number; name?: string })
  | (Span & { kind: 'unary'; op: '-' | '+' | '~' | 'NOT'; expr: Expr })
  | (Span & { kind: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { kind: 'like'; op: 'LIKE' | 'GLOB'; not: boolean; left: Expr; right: Expr; escape?: Expr })
  | (Span & { kind: 'between'; not: boolean; expr: Expr; lo: Expr; hi: Expr })
  | (Span & { kind: 'in'; not: boolean; expr: Expr; list?: Expr[]; select?: Select; table?: string })
  | (Span & { kind: 'isnull'; not: boolean; expr: Expr })
  | (Span & { kind: 'exists'; not: boolean; select: Select })
  | (Span & { kind: 'subquery'; select: Select })
  | (Span & { kind: 'case'; base?: Expr; whens: [Expr, Expr][]; else?: Expr })
  | (Span & { kind: 'cast'; expr: Expr; type: string })
  | (Span & { kind: 'collate'; expr: Expr; collation: string })
  | (Span & { kind: 'fn'; name: string; args: Expr[]; distinct: boolean; star: boolean })
  | (Span & { kind: 'raise'; action: 'IGNORE' | 'ROLLBACK' | 'ABORT' | 'FAIL'; message?: string });

export type ResultColumn =
  | { kind: 'star'; table?: string; start: number; end: number }
  | { kind: 'expr'; expr: Expr; alias?: string };

export type FromItem =
  | (Span & { kind: 'table'; name: string; alias?: string; indexedBy?: string })
  | (Span & { kind: 'subquery'; select: Select; alias?: string })
  | (Span & { kind: 'join'; left: FromItem; right: FromItem; joinType: 'inner' | 'left' | 'cross'; on?: Expr; using?: string[]; natural: boolean });

export interface OrderTerm { readonly expr: Expr; readonly desc: boolean; readonly nulls?: 'first' | 'last' }

export interface SelectCore {
  readonly kind: 'core';
  readonly distinct: boolean;
  readonly columns: ResultColumn[];
  readonly from?: FromItem;
  readonly where?: Expr;
  readonly groupBy?: Expr[];
  readonly having?: Expr;
  /** VALUES (...), (...) as a select. */
  readonly values?: Expr[][];
}

export interface Cte { readonly name: string; readonly columns?: string[]; readonly select: Select }

export interface Select extends Span {
  readonly kind: 'select';
  readonly with?: Cte[];
  readonly cores: SelectCore[];
  /** ops[i] combines cores[i] and cores[i+1]. */
  readonly ops: ('UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT')[];
  readonly orderBy?: OrderTerm[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

export type ConflictAction = 'ABORT' | 'FAIL' | 'IGNORE' | 'REPLACE' | 'ROLLBACK';

export interface ColumnDef {
  readonly name: string;
  readonly type: string;
  readonly primaryKey?: { desc: boolean; autoincrement: boolean; onConflict?: ConflictAction };
  readonly notNull: boolean;
  readonly unique: boolean;
  readonly default?: Expr;
  readonly check: Expr[];
  readonly collation?: string;
}

export type TableConstraint =
  | { kind: 'primary'; columns: string[]; onConflict?: ConflictAction }
  | { kind: 'unique'; columns: string[]; onConflict?: ConflictAction }
  | { kind: 'check'; expr: Expr };

export interface Upsert {
  readonly target?: string[];
  readonly targetWhere?: Expr;
  readonly action: 'nothing' | 'update';
  readonly set?: { columns: string[]; expr: Expr }[];
  readonly where?: Expr;
}

export interface IndexedColumn { readonly name: string; readonly desc: boolean; readonly collation?: string }

export type Statement = Span & (
  | Select
  | { kind: 'insert'; with?: Cte[]; or?: ConflictAction; table: string; alias?: string; columns?: string[]; select?: Select; defaultValues: boolean; upsert: Upsert[]; returning?: ResultColumn[] }
  | { kind: 'update'; with?: Cte[]; or?: ConflictAction; table: string; alias?: string; set: { columns: string[]; expr: Expr }[]; from?: FromItem; where?: Expr; returning?: ResultColumn[]; orderBy?: OrderTerm[]; limit?: Expr; offset?: Expr }
  | { kind: 'delete'; with?: Cte[]; table: string; alias?: string; where?: Expr; returning?: ResultColumn[]; orderBy?: OrderTerm[]; limit?: Expr; offset?: Expr }
  | { kind: 'createTable'; name: string; ifNotExists: boolean; temp: boolean; columns: ColumnDef[]; constraints: TableConstraint[]; withoutRowid: boolean; asSelect?: Select }
  | { kind: 'createIndex'; name: string; table: string; unique: boolean; ifNotExists: boolean; columns: IndexedColumn[]; where?: Expr }
  | { kind: 'createView'; name: string; ifNotExists: boolean; columns?: string[]; select: Select }
  | { kind: 'createTrigger'; name: string; ifNotExists: boolean; timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF'; event: 'INSERT' | 'UPDATE' | 'DELETE'; columns?: string[]; table: string; when?: Expr; body: Statement[] }
  | { kind: 'drop'; what: 'TABLE' | 'INDEX' | 'VIEW' | 'TRIGGER'; name: string; ifExists: boolean }
  | { kind: 'alterTable'; table: string; action: { kind: 'rename'; to: string } | { kind: 'renameColumn'; from: string; to: string } | { kind: 'addColumn'; column: ColumnDef; /** Source offset where the column definition starts. */ columnStart: number } | { kind: 'dropColumn'; name: string } }
  | { kind: 'begin' } | { kind: 'commit' } | { kind: 'rollback' }
  | { kind: 'vacuum' } | { kind: 'reindex'; name?: string } | { kind: 'pragma'; name: string; arg?: string } | { kind: 'analyze' }
  | { kind: 'explain'; queryPlan: boolean; stmt: Statement }
);
