/**
 * The SQL layer: SQLite's dialect over the storage interface, in process and single-threaded.
 *
 * Owns: lexer (lexer.ts) → parser (parser-expr.ts, parser.ts; AST in ast.ts) → binder and
 * expression compiler (scope.ts, compile-expr.ts; value semantics in value.ts, compare.ts,
 * arith.ts, functions.ts, date-functions.ts, aggregates.ts) → planner (conjuncts.ts,
 * access-path.ts: index and rowid access, hash joins, ORDER BY from an index) → executor
 * (select-core.ts, select.ts, dml.ts, ddl.ts over batch-filter.ts's loops) → engine.ts
 * (sessions, transactions, statement atomicity, the plan cache). The catalog (catalog.ts)
 * lives in system table 0 of the partition.
 *
 * May import: `src/storage/api.ts` (and `src/storage/memory` in tests), `src/kernels`,
 * `src/errors.ts`. Read next: engine.ts, then select-core.ts, then docs/sql.md.
 */
export { SqlEngine, type SqlSession, type Params, type ExecResult, type EngineOptions, type Route, type InsertHooks, type PlannedRow } from './engine.js';
export { splitStatements } from './split.js';
export type { QueryCursor, CursorRows, CursorOptions } from './query-cursor.js';
export { compareByKeys, type SortKey } from './select.js';
