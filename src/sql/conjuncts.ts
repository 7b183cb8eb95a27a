/**
 * WHERE/ON analysis: splitting a condition into AND-ed conjuncts, finding which FROM sources
 * each conjunct reads, and recognising the "column op value" shapes ({@link Sarg}) the access
 * paths can use.
 */
import type { Expr } from './ast.js';
import type { Sarg } from './access-path.js';
import { sargUsable } from './access-path.js';
import { comparisonCollation } from './compare.js';
import { compileExpr, type CExpr, type ExprContext } from './compile-expr.js';
import { registerKernelPred } from './kernel-filter.js';
import type { CollationName } from './value.js';

export function splitAnd(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (!e) return out;
  if (e.kind === 'binary' && e.op === 'AND') { splitAnd(e.left, out); splitAnd(e.right, out); }
  else out.push(e);
  return out;
}

export interface Conjunct {
  readonly ast: Expr;
  readonly expr: CExpr;
  /** FROM positions (of this scope) the conjunct reads. */
  readonly used: Set<number>;
  /** Usable comparisons, each with the FROM position of its column and what its value side reads. */
  readonly sargs: { pos: number; sarg: Sarg; valueUses: Set<number> }[];
}

function compileTracked(e: Expr, cx: ExprContext): { c: CExpr; used: Set<number> } {
  const prev = cx.scope.usedSources;
  const used = new Set<number>();
  cx.scope.usedSources = used;
  try {
    return { c: compileExpr(e, cx), used };
  } finally {
    cx.scope.usedSources = prev;
    if (prev) for (const u of used) prev.add(u);
  }
}

const FLIP: Record<string, '=' | '<' | '<=' | '>' | '>='> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export function analyzeConjunct(ast: Expr, cx: ExprContext, sql: string): Conjunct {
  const { c: expr, used } = compileTracked(ast, cx);
  registerKernelPred(ast, expr, (e) => compileTracked(e, cx).c);
  const sargs: Conjunct['sargs'] = [];
  const colOf = (e: Expr): { c: CExpr; used: Set<number> } | null => {
    if (e.kind !== 'col') return null;
    const r = compileTracked(e, cx);
    return r.c.column ? r : null;
  };
  const add = (col: CExpr, op: Sarg['op'], values: { c: CExpr; used: Set<number> }[], textSpan: Expr, valueAst?: Expr, opColl?: CollationName): void => {
    const info = col.column!;
    if (values.some((v) => v.used.has(info.pos))) return;
    let aff = sargUsable(col.aff, op === 'IN' ? 'none' : values[0]!.c.aff);
    if (op === 'IN') aff = col.aff === 'blob' ? 'none' : sargUsable(col.aff, 'none');
    if (aff === null) return;
    if (op !== 'IN' && values.some((v) => sargUsable(col.aff, v.c.aff) === null)) return;
    const coll = opColl ?? (op === 'IN' ? (col.coll ?? 'BINARY') : comparisonCollation(col, values[0]!.c));
    const valueUses = new Set<number>();
    for (const v of values) for (const u of v.used) valueUses.add(u);
    sargs.push({ pos: info.pos, valueUses, sarg: { column: info.column, op, values: values.map((v) => v.c), aff, coll, text: sql.slice(textSpan.start, textSpan.end), ...(valueAst ? { valueAst } : {}) } });
  };
  if (ast.kind === 'binary' && FLIP[ast.op]) {
    const l = colOf(ast.left);
    const r = colOf(ast.right);
    if (l || r) {
      const left = l ?? compileTracked(ast.left, cx);
      const right = r ?? compileTracked(ast.right, cx);
      // The collation comes from the operands in written order (left first), also when the sarg
      // is on the right column: `t1.nocase_col = t2.col` compares NOCASE on both sarg forms.
      const coll = comparisonCollation(left.c, right.c);
      if (l) add(l.c, ast.op as Sarg['op'], [right], ast.left, ast.right, coll);
      if (r) add(r.c, FLIP[ast.op]!, [left], ast.right, ast.left, coll);
    }
  } else if (ast.kind === 'between' && !ast.not) {
    const l = colOf(ast.expr);
    if (l) { add(l.c, '>=', [compileTracked(ast.lo, cx)], ast.expr); add(l.c, '<=', [compileTracked(ast.hi, cx)], ast.expr); }
  } else if (ast.kind === 'in' && !ast.not && ast.list && ast.list.length > 0) {
    const l = colOf(ast.expr);
    if (l) add(l.c, 'IN', ast.list.map((x) => compileTracked(x, cx)), ast.expr);
  } else if (ast.kind === 'in' && !ast.not && ast.select) {
    // col IN (SELECT …): an uncorrelated subquery's values can drive rowid/index probes.
    const l = colOf(ast.expr);
    if (l && l.c.column) {
      const q = cx.sub.compileSubquery(ast.select, cx.scope);
      const aff = q.columns === 1 && !q.correlated ? sargUsable(l.c.aff, q.aff) : null;
      if (aff !== null) {
        const info = l.c.column;
        sargs.push({
          pos: info.pos, valueUses: new Set(),
          sarg: {
            column: info.column, op: 'IN', values: [], aff, coll: l.c.coll ?? 'BINARY', text: sql.slice(ast.expr.start, ast.expr.end),
            valuesFrom: (env) => q.run(env).map((r) => r[0]!),
          },
        });
      }
    }
  }
  return { ast, expr, used, sargs };
}
