/**
 * Row triggers (BEFORE/AFTER INSERT, UPDATE [OF cols], DELETE; FOR EACH ROW; WHEN). A trigger's
 * WHEN and body statements see a scope with two rows, `new` and `old` (qualified names only);
 * body statements are compiled on first use (a body may write to a table whose triggers would
 * otherwise be compiled recursively) and run inside the firing statement's transaction and undo
 * log, so a failing trigger undoes the whole statement. As SQLite's default (recursive_triggers
 * off), a trigger does not fire itself again while it runs; nesting is capped.
 */
import type { Rowid, Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Statement } from './ast.js';
import type { TableInfo, TriggerInfo } from './catalog.js';
import { RaiseIgnore, compileExpr, type Ev } from './compile-expr.js';
import { passes } from './batch-filter.js';
import { Scope, type Env } from './scope.js';
import type { ExecRuntime } from './dml.js';
import { QueryCompiler } from './select.js';

const MAX_DEPTH = 32;

export interface TriggerRunner {
  /** Whether any trigger of this timing exists (lets the DML skip building rows). */
  has(timing: 'BEFORE' | 'AFTER'): boolean;
  /** Runs the triggers; false when one of them did RAISE(IGNORE) (skip the rest of this row). */
  fire(timing: 'BEFORE' | 'AFTER', newRow: readonly Value[] | null, newRowid: Rowid | null, oldRow: readonly Value[] | null, oldRowid: Rowid | null, setColumns?: ReadonlySet<number>): boolean;
}

type BodyCompiler = (qc: QueryCompiler, stmt: Statement, parent: Scope) => { run(outer: Env | null): unknown };

interface Compiled { when: Ev | null; body: { run(outer: Env | null): unknown }[] }

export function triggerScope(t: TableInfo): Scope {
  const scope = new Scope(null);
  scope.inTrigger = true;
  const cols = t.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll }));
  for (const name of ['new', 'old']) {
    const src = scope.addSource(name, cols, t);
    for (const c of t.columns) src.hiddenNames.add(c.name.toLowerCase());
    src.hiddenNames.add('rowid');
  }
  return scope;
}

export function triggersFor(qc: QueryCompiler, t: TableInfo, event: TriggerInfo['event'], compileBody: BodyCompiler): TriggerRunner {
  const rt = qc.rt as ExecRuntime;
  const list = t.triggers.filter((tr) => tr.event === event);
  const compiled = new Map<number, Compiled>();
  const ncols = t.columns.length;
  const compile = (tr: TriggerInfo): Compiled => {
    let c = compiled.get(tr.id);
    if (!c) {
      const scope = triggerScope(t);
      const tqc = new QueryCompiler(tr.sql, qc.catalog, qc.rt);
      const when = tr.when ? compileExpr(tr.when, { scope, rt: qc.rt, sub: tqc, aggs: null }).ev : null;
      c = { when, body: tr.body.map((st) => compileBody(tqc, st, scope)) };
      compiled.set(tr.id, c);
    }
    return c;
  };
  return {
    has: (timing) => list.some((tr) => tr.timing === timing),
    fire(timing, newRow, newRowid, oldRow, oldRowid, setColumns) {
      for (const tr of list) {
        if (tr.timing !== timing) continue;
        if (tr.columns && setColumns && !tr.columns.some((c) => setColumns.has(c))) continue;
        const active = (rt.activeTriggers ??= new Set<number>());
        if (active.has(tr.id)) continue;
        if (active.size >= MAX_DEPTH) throw sqlError('too many levels of trigger recursion');
        const c = compile(tr);
        const row: Value[] = new Array<Value>(2 * ncols + 2).fill(null);
        if (newRow) for (let i = 0; i < ncols; i++) row[i] = newRow[i] ?? null;
        row[ncols] = newRowid;
        if (oldRow) for (let i = 0; i < ncols; i++) row[ncols + 1 + i] = oldRow[i] ?? null;
        row[2 * ncols + 1] = oldRowid;
        const env: Env = { row, outer: null, agg: null };
        try {
          if (c.when && !passes([c.when], env)) continue;
        } catch (e) {
          if (e instanceof RaiseIgnore) return false;
          throw e;
        }
        active.add(tr.id);
        try {
          for (const b of c.body) b.run(env);
        } catch (e) {
          if (e instanceof RaiseIgnore) return false;
          throw e;
        } finally {
          active.delete(tr.id);
        }
      }
      return true;
    },
  };
}
