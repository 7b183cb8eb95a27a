/**
 * INSERT, UPDATE and DELETE compiled into run functions. UPDATE and DELETE first collect their
 * target rows (through the same access paths as SELECT), then write: a statement never sees its
 * own changes mid-scan. Constraint handling is in table-writer.ts.
 */
import type { Rowid, Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { ConflictAction, Expr, ResultColumn, Statement } from './ast.js';
import { chooseAccess, pointRoute, type Route } from './access-path.js';
import { passes } from './batch-filter.js';
import { collationOf, type TableInfo } from './catalog.js';
import { compileExpr, type CExpr, type Ev, type Runtime } from './compile-expr.js';
import { analyzeConjunct, splitAnd } from './conjuncts.js';
import { Scope, type Env, type ScopeSource } from './scope.js';
import { combineRoutes, type QueryCompiler } from './select.js';
import { TableWriter, type Conflict } from './table-writer.js';
import { tablePredicates } from './index-predicate.js';
import { triggersFor } from './triggers.js';
import type { UndoTxn } from './undo-txn.js';

export interface ExecRuntime extends Runtime { w: UndoTxn; lastInsertId: bigint | null; /** Triggers running now (no self-recursion). */ activeTriggers?: Set<number>; /** Set for one execution by a partitioned database's router (see {@link InsertHooks}). */ insertHooks?: InsertHooks }

/** A row an INSERT writes, as the router planned it: the rowid and the full row (defaults and affinity applied). */
export interface PlannedRow { readonly rowid: Rowid; readonly row: Value[] }

/**
 * How a partitioned database splits an INSERT (src/coordinator/router.ts): the coordinator runs
 * the statement once in `plan` mode (the source is evaluated, defaults and affinity applied, and
 * rows lacking a rowid take one from `allocRowid`; nothing is written), routes each planned row
 * by its shard key, and each partition then runs the same statement in `rows` mode: exactly its
 * share of the planned rows is inserted (constraints, conflicts, triggers and RETURNING as usual)
 * and the source is not evaluated again, so non-deterministic sources stay consistent.
 */
export interface InsertHooks {
  readonly plan?: { readonly allocRowid: () => Rowid; readonly out: PlannedRow[] };
  readonly rows?: readonly PlannedRow[];
}

export interface StatementResult { columns: string[]; rows: Value[][]; rowsAffected: number }
export interface CompiledStatement { readonly columns: string[]; readonly explain: string[]; readonly route: Route; run(outer?: Env | null): StatementResult }

type Insert = Extract<Statement, { kind: 'insert' }>;
type Update = Extract<Statement, { kind: 'update' }>;
type Delete = Extract<Statement, { kind: 'delete' }>;

function tableScope(t: TableInfo, alias: string | undefined, parent: Scope | null = null): { scope: Scope; src: ScopeSource } {
  const scope = new Scope(parent);
  const src = scope.addSource(alias ?? t.name, t.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll })), t);
  return { scope, src };
}

export function writerFor(qc: QueryCompiler, t: TableInfo): TableWriter {
  const { scope } = tableScope(t, undefined);
  const cx = { scope, rt: qc.rt, sub: qc, aggs: null };
  const checks = t.checks.map((e) => ({ expr: compileExpr(e, cx), text: t.sql.slice(e.start, e.end) }));
  return new TableWriter(t, checks, tablePredicates(t));
}

function compileReturning(qc: QueryCompiler, cols: ResultColumn[] | undefined, scope: Scope, t: TableInfo): { names: string[]; evs: Ev[] } {
  if (!cols) return { names: [], evs: [] };
  const names: string[] = [];
  const evs: Ev[] = [];
  const cx = { scope, rt: qc.rt, sub: qc, aggs: null };
  for (const c of cols) {
    if (c.kind === 'star') {
      t.columns.forEach((col, i) => { names.push(col.name); evs.push((env) => env.row[i]!); });
    } else {
      names.push(c.alias ?? (c.expr.kind === 'col' ? c.expr.name : qc.sql.slice(c.expr.start, c.expr.end)));
      evs.push(compileExpr(c.expr, cx).ev);
    }
  }
  return { names, evs };
}

function requireWritable(qc: QueryCompiler, name: string): TableInfo {
  const t = qc.catalog.table(name);
  if (!t) {
    if (qc.catalog.views.has(name.toLowerCase())) throw sqlError(`cannot modify ${name} because it is a view`);
    throw sqlError(`no such table: ${name}`);
  }
  return t;
}

export function compileInsert(qc: QueryCompiler, s: Insert, parent: Scope | null = null): CompiledStatement {
  const t = requireWritable(qc, s.table);
  const rt = qc.rt as ExecRuntime;
  const ncols = t.columns.length;
  let target: number[];
  if (s.columns) {
    target = s.columns.map((c) => {
      const n = c.toLowerCase();
      const i = t.columns.findIndex((x) => x.name.toLowerCase() === n);
      if (i < 0) {
        if ((n === 'rowid' || n === 'oid' || n === '_rowid_') && t.rowidColumn >= 0) return t.rowidColumn;
        throw sqlError(`table ${t.name} has no column named ${c}`);
      }
      return i;
    });
  } else target = t.columns.map((_, i) => i);
  const source = s.select ? qc.compileSelect(s.with ? { ...s.select, with: [...s.with, ...(s.select.with ?? [])] } : s.select, parent) : null;
  if (source && source.columns.length !== target.length) {
    throw sqlError(s.columns ? `${source.columns.length} values for ${target.length} columns` : `table ${t.name} has ${ncols} columns but ${source.columns.length} values were supplied`);
  }
  const emptyScope = new Scope(null);
  const dcx = { scope: emptyScope, rt: qc.rt, sub: qc, aggs: null };
  const defaults: (CExpr | null)[] = t.columns.map((c) => (c.default ? compileExpr(c.default, dcx) : null));
  const writer = writerFor(qc, t);
  const { scope } = tableScope(t, s.alias, parent);
  const ret = compileReturning(qc, s.returning, scope, t);
  const or: ConflictAction = s.or ?? 'ABORT';
  const trig = triggersFor(qc, t, 'INSERT', compileTriggerBody);
  // ON CONFLICT: the excluded.* row is a second source after the table.
  const upserts = s.upsert.map((u) => {
    const uScope = tableScope(t, s.alias, parent).scope;
    const ex = uScope.addSource('excluded', t.columns.map((c) => ({ name: c.name, aff: c.aff, coll: c.coll })), t);
    for (const c of t.columns) ex.hiddenNames.add(c.name.toLowerCase()); // only excluded.x reaches these
    const ucx = { scope: uScope, rt: qc.rt, sub: qc, aggs: null };
    const targetCols = u.target?.map((c) => t.columns.findIndex((x) => x.name.toLowerCase() === c.toLowerCase()));
    if (targetCols?.some((i) => i < 0)) throw sqlError('ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint');
    const sets = (u.set ?? []).flatMap((st) => st.columns.map((c) => {
      const i = t.columns.findIndex((x) => x.name.toLowerCase() === c.toLowerCase());
      if (i < 0) throw sqlError(`no such column: ${c}`);
      return { col: i, ev: compileExpr(st.expr, ucx).ev };
    }));
    const where = u.where ? compileExpr(u.where, ucx).ev : null;
    return { action: u.action, targetCols, sets, where };
  });
  const matchesTarget = (u: (typeof upserts)[number], c: Conflict): boolean => {
    if (!u.targetCols) return true;
    const cols = c.kind === 'primary_key' ? [t.rowidColumn] : c.index!.parts.map((p) => p.column);
    return cols.length === u.targetCols.length && cols.every((x) => u.targetCols!.includes(x));
  };

  let route: Route = { kind: 'all' };
  const values = s.select?.cores.length === 1 ? s.select.cores[0]!.values : undefined;
  if (values && values.length === 1 && t.rowidColumn >= 0 && upserts.length === 0 && or !== 'REPLACE') {
    const k = target.indexOf(t.rowidColumn);
    const v = k >= 0 ? values[0]![k] : undefined;
    if (v?.kind === 'param') route = { kind: 'single', table: t.name, key: { param: v.index } };
    else if (v?.kind === 'lit') route = { kind: 'single', table: t.name, key: { value: v.value } };
  }
  if (qc.routes.length > 0) route = { kind: 'all' }; // INSERT … SELECT reads other tables
  return {
    columns: ret.names,
    explain: [...qc.explain],
    route,
    run(outer: Env | null = null) {
      const w = rt.w;
      const hooks = rt.insertHooks;
      const given = hooks?.rows;
      const srcRows: Value[][] = given ? given.map((g) => g.row) : source ? source.run(outer) : [[]];
      const out: Value[][] = [];
      let changes = 0;
      const denv: { row: Value[]; outer: Env | null; agg: null } = { row: [], outer: null, agg: null };
      denv.outer = outer;
      for (let r = 0; r < srcRows.length; r++) {
        const src = srcRows[r]!;
        let row: Value[];
        let rowid: Rowid | null;
        if (given) {
          row = src.slice();
          rowid = writer.prepareRow(row) ?? given[r]!.rowid;
        } else {
          row = new Array<Value>(ncols).fill(null);
          const set = new Array<boolean>(ncols).fill(false);
          target.forEach((ci, k) => { row[ci] = src[k]!; set[ci] = true; });
          for (let i = 0; i < ncols; i++) if (!set[i] && defaults[i]) row[i] = defaults[i]!.ev(denv);
          rowid = writer.prepareRow(row);
          if (rowid === null && hooks?.plan) {
            rowid = hooks.plan.allocRowid();
            if (t.rowidColumn >= 0) row[t.rowidColumn] = rowid;
          }
          if (rowid === null) rowid = writer.assignRowid(w, row);
          if (hooks?.plan) { hooks.plan.out.push({ rowid, row }); continue; }
        }
        if (trig.has('BEFORE') && !trig.fire('BEFORE', row, rowid, null, null)) continue;
        if (!writer.checkRow(row, rowid, or)) continue;
        const cs = writer.conflicts(w, row, rowid, null);
        if (cs.length) {
          const u = upserts.find((x) => cs.every((c) => matchesTarget(x, c)));
          if (u) {
            if (u.action === 'nothing') continue;
            const victim = cs[0]!.rowids[0]!;
            const old = w.txn.get(t.id, victim)!;
            const env: Env = { row: [...old, victim, ...row, rowid], outer, agg: null };
            if (u.where && !passes([u.where], env)) continue;
            const next = old.slice();
            for (const st of u.sets) next[st.col] = st.ev(env);
            const nid = writer.prepareRow(next) ?? victim;
            writer.checkRow(next, nid, 'ABORT');
            const cs2 = writer.conflicts(w, next, nid, victim);
            if (cs2.length) throw writer.conflictError(cs2[0]!);
            if (nid !== victim) { w.delete(t.id, victim); w.insert(t.id, nid, next); } else w.update(t.id, victim, next);
            changes++;
            if (ret.evs.length) { const renv: Env = { row: [...next, nid], outer: null, agg: null }; out.push(ret.evs.map((e) => e(renv))); }
            continue;
          }
          if (or === 'IGNORE') continue;
          if (or === 'REPLACE') writer.removeConflicts(w, cs);
          else throw writer.conflictError(cs[0]!);
        }
        w.insert(t.id, rowid, row);
        writer.noteRowid(w, rowid);
        if (trig.has('AFTER')) trig.fire('AFTER', row, rowid, null, null);
        rt.lastInsertId = rowid;
        changes++;
        if (ret.evs.length) { const renv: Env = { row: [...row, rowid], outer: null, agg: null }; out.push(ret.evs.map((e) => e(renv))); }
      }
      return { columns: ret.names, rows: out, rowsAffected: changes };
    },
  };
}

/** Compiles WHERE over one table into "collect the matching (rowid, row) pairs". */
function compileTargets(qc: QueryCompiler, t: TableInfo, scope: Scope, src: ScopeSource, where: Expr | undefined): (env: Env) => [Rowid, Value[]][] {
  const cx = { scope, rt: qc.rt, sub: qc, aggs: null };
  const asts = splitAnd(where);
  const conj = asts.map((a) => analyzeConjunct(a, cx, qc.sql));
  const sargs = conj.flatMap((c) => c.sargs.filter((s) => s.pos === 0).map((s) => s.sarg));
  const ap = chooseAccess(t, sargs, null, (ix) => qc.partialImplied(ix, asts));
  qc.routes.push(pointRoute(t, sargs) ?? { kind: 'all' });
  qc.explain.push(ap.describe);
  const filters = conj.map((c) => c.expr.ev);
  const slots = { offset: src.offset, ncols: t.columns.length, rowidSlot: src.rowidSlot!, kernels: qc.rt.kernels, interrupt: qc.rt.interrupt };
  return (env) => {
    const out: [Rowid, Value[]][] = [];
    ap.run(qc.rt.txn, slots, filters, env, () => {
      out.push([env.row[slots.rowidSlot] as Rowid, env.row.slice(0, slots.ncols)]);
      return true;
    });
    return out;
  };
}

function rejectOrderLimit(s: Update | Delete): void {
  if (s.orderBy || s.limit) throw sqlError(`ORDER BY and LIMIT are not supported on ${s.kind.toUpperCase()}`);
}

export function compileUpdate(qc: QueryCompiler, s: Update, parent: Scope | null = null): CompiledStatement {
  rejectOrderLimit(s);
  if (s.from) throw sqlError('UPDATE … FROM is not supported');
  if (s.with) throw sqlError('WITH on UPDATE is not supported');
  const t = requireWritable(qc, s.table);
  const rt = qc.rt as ExecRuntime;
  const { scope, src } = tableScope(t, s.alias, parent);
  const targets = compileTargets(qc, t, scope, src, s.where);
  const cx = { scope, rt: qc.rt, sub: qc, aggs: null };
  const trig = triggersFor(qc, t, 'UPDATE', compileTriggerBody);
  const sets = s.set.flatMap((st) => {
    if (st.columns.length > 1) throw sqlError('row values are not supported');
    const c = st.columns[0]!;
    let i = t.columns.findIndex((x) => x.name.toLowerCase() === c.toLowerCase());
    if (i < 0 && ['rowid', 'oid', '_rowid_'].includes(c.toLowerCase())) i = t.rowidColumn >= 0 ? t.rowidColumn : -2;
    if (i < 0) throw sqlError(`no such column: ${c}`);
    return [{ col: i, ev: compileExpr(st.expr, cx).ev }];
  });
  const writer = writerFor(qc, t);
  const ret = compileReturning(qc, s.returning, scope, t);
  const or: ConflictAction = s.or ?? 'ABORT';
  return {
    columns: ret.names,
    explain: [...qc.explain],
    route: combineRoutes(qc.routes),
    run(outer: Env | null = null) {
      const w = rt.w;
      const env: Env = { row: new Array<Value>(scope.width).fill(null), outer, agg: null };
      const setCols = new Set(sets.map((x) => x.col));
      const rows = targets(env);
      const out: Value[][] = [];
      let changes = 0;
      for (const [rowid, old] of rows) {
        env.row = [...old, rowid];
        const next = old.slice();
        let newRowid = rowid;
        for (const st of sets) {
          const v = st.ev(env);
          if (st.col === -2) { const r = writer.prepareRowid(v); newRowid = r; } else next[st.col] = v;
        }
        const fromCol = writer.prepareRow(next);
        if (fromCol !== null) newRowid = fromCol;
        else if (t.rowidColumn >= 0) next[t.rowidColumn] = newRowid;
        if (trig.has('BEFORE') && !trig.fire('BEFORE', next, newRowid, old, rowid, setCols)) continue;
        if (!writer.checkRow(next, newRowid, or)) continue;
        const cs = writer.conflicts(w, next, newRowid, rowid);
        if (cs.length) {
          if (or === 'IGNORE') continue;
          if (or === 'REPLACE') writer.removeConflicts(w, cs);
          else throw writer.conflictError(cs[0]!);
        }
        if (newRowid !== rowid) { w.delete(t.id, rowid); w.insert(t.id, newRowid, next); writer.noteRowid(w, newRowid); }
        else w.update(t.id, rowid, next);
        if (trig.has('AFTER')) trig.fire('AFTER', next, newRowid, old, rowid, setCols);
        changes++;
        if (ret.evs.length) { const renv: Env = { row: [...next, newRowid], outer: null, agg: null }; out.push(ret.evs.map((e) => e(renv))); }
      }
      return { columns: ret.names, rows: out, rowsAffected: changes };
    },
  };
}

export function compileDelete(qc: QueryCompiler, s: Delete, parent: Scope | null = null): CompiledStatement {
  rejectOrderLimit(s);
  if (s.with) throw sqlError('WITH on DELETE is not supported');
  const t = requireWritable(qc, s.table);
  const rt = qc.rt as ExecRuntime;
  const { scope, src } = tableScope(t, s.alias, parent);
  const targets = compileTargets(qc, t, scope, src, s.where);
  const ret = compileReturning(qc, s.returning, scope, t);
  const trig = triggersFor(qc, t, 'DELETE', compileTriggerBody);
  return {
    columns: ret.names,
    explain: [...qc.explain],
    route: combineRoutes(qc.routes),
    run(outer: Env | null = null) {
      const env: Env = { row: new Array<Value>(scope.width).fill(null), outer, agg: null };
      const rows = targets(env);
      const out: Value[][] = [];
      let n = 0;
      for (const [rowid, old] of rows) {
        if (trig.has('BEFORE')) {
          if (!trig.fire('BEFORE', null, null, old, rowid)) continue;
          if (!rt.w.txn.get(t.id, rowid)) continue; // a BEFORE trigger removed it
        }
        if (rt.w.delete(t.id, rowid)) n++;
        if (trig.has('AFTER')) trig.fire('AFTER', null, null, old, rowid);
        if (ret.evs.length) { const renv: Env = { row: [...old, rowid], outer: null, agg: null }; out.push(ret.evs.map((e) => e(renv))); }
      }
      return { columns: ret.names, rows: out, rowsAffected: n };
    },
  };
}

/** Compiles one statement of a trigger body against the trigger's new/old scope. */
export function compileTriggerBody(qc: QueryCompiler, stmt: Statement, parent: Scope): { run(outer: Env | null): unknown } {
  switch (stmt.kind) {
    case 'insert': return compileInsert(qc, stmt, parent);
    case 'update': return compileUpdate(qc, stmt, parent);
    case 'delete': return compileDelete(qc, stmt, parent);
    case 'select': { const q = qc.compileSelect(stmt, parent); return { run: (outer) => q.run(outer) }; }
    default: throw sqlError(`${stmt.kind} is not allowed in a trigger`);
  }
}

export { collationOf };
