/**
 * Joins that are not co-located: move the smaller side, then only the rows of the larger side
 * that can match it. The query itself still runs in the catalog mirror (so every join shape,
 * aggregate and ORDER BY is the engine's); what changes is which rows cross the rings:
 *
 *   1 pushdown   each table's single-table conjuncts run at its partitions (WHERE and inner ON
 *                conjuncts for tables never NULL-extended; a LEFT JOIN's own ON conjuncts for its
 *                right table)
 *   2 estimate   `SELECT count(*) … WHERE <those>` on every partition, per table (no rows move)
 *   3 fetch      the smallest table first; then, repeatedly, the smallest table that an equality
 *                `x.c = y.d` links to a table already fetched, with `x.c IN (<distinct y.d values>)`
 *                added to its pushdown — at most {@link JoinContext.semiJoinMaxKeys} values, else
 *                without the list; tables no equality reaches come last, filtered by (1) only
 *   4 run        the original query in the mirror over the fetched rows
 *
 * An IN-list only drops rows that cannot match: it is used for an equality of WHERE or an inner
 * ON between tables never NULL-extended (either direction), or of a LEFT JOIN's ON to filter its
 * right table by the left side's values (never the other way: a left row without a match still
 * shows), and only when the list's affinity and collation match at least what the equality does
 * (join-shape.ts {@link inListCovers}). NULL join keys never equal anything and are left out.
 */
import type { Value } from '../storage/api.js';
import type { ExecResult, Params } from '../sql/index.js';
import type { Expr } from '../sql/ast.js';
import { printExpr } from '../sql/ast-printer.js';
import { valueKey } from '../sql/value.js';
import type { JoinContext } from './join-context.js';
import { inListCovers, type ColumnRef, type JoinShape } from './join-shape.js';

const span = { start: 0, end: 0 };

/** x's rows can be cut to those whose `xCol` is among y's `yCol` values. */
interface Reduction { readonly x: number; readonly xCol: ColumnRef; readonly y: number; readonly yCol: ColumnRef }

/** What the semi-join does for a shape: each table's pushed conjuncts (SQL) and the IN-list reductions allowed. */
export interface SemiJoinPlan {
  readonly local: readonly (readonly string[])[];
  readonly reductions: readonly Reduction[];
}

/** The plan, or null when it would fetch every table whole anyway (the generic path does that). Pure. */
export function semiJoinPlan(shape: JoinShape): SemiJoinPlan | null {
  const { tables } = shape;
  if (new Set(tables.map((t) => t.table.name.toLowerCase())).size !== tables.length) return null;
  const local: string[][] = tables.map(() => []);
  for (const c of shape.conjuncts) {
    if (!c.uses || c.uses.size !== 1) continue;
    const i = [...c.uses][0]!;
    if (c.source.kind === 'left' ? c.source.t === i : !tables[i]!.nullable) local[i]!.push(`(${printExpr(c.expr)})`);
  }
  const reductions: Reduction[] = [];
  const add = (x: ColumnRef, y: ColumnRef, xLeft: boolean): void => {
    if (inListCovers(x, y, xLeft)) reductions.push({ x: x.t, xCol: x, y: y.t, yCol: y });
  };
  for (const e of shape.equalities) {
    if (e.source.kind === 'left') {
      const r = e.source.t;
      if (e.left.t === r && e.right.t < r) add(e.left, e.right, true);
      else if (e.right.t === r && e.left.t < r) add(e.right, e.left, false);
    } else if (!tables[e.left.t]!.nullable && !tables[e.right.t]!.nullable) {
      add(e.left, e.right, true);
      add(e.right, e.left, false);
    }
  }
  if (reductions.length === 0 && local.every((l) => l.length === 0)) return null;
  return { local, reductions };
}

export async function runSemiJoin(cx: JoinContext, shape: JoinShape, plan: SemiJoinPlan, sql: string, params: Params): Promise<ExecResult> {
  const { tables } = shape;
  const { local, reductions } = plan;
  const parts = [...Array(cx.partitions).keys()];
  const quote = (n: string): string => `"${n.replace(/"/g, '""')}"`;
  const whereOf = (i: number, extra: readonly string[] = []): string | undefined => [...local[i]!, ...extra].join(' AND ') || undefined;

  const sizes = reductions.length === 0 ? tables.map(() => 0) : await Promise.all(tables.map(async (jt, i) => {
    const w = whereOf(i);
    const q = `SELECT count(*) FROM ${quote(jt.table.name)} AS ${quote(jt.alias)}${w ? ` WHERE ${w}` : ''}`;
    const rs = await Promise.all(parts.map((p) => cx.query(p, q, [])));
    return rs.reduce((n, r) => n + Number(r.rows[0]![0] as bigint), 0);
  }));

  const fetched = new Map<number, Value[][]>();
  while (fetched.size < tables.length) {
    const open = tables.map((_, i) => i).filter((i) => !fetched.has(i));
    const reducible = (i: number): boolean => reductions.some((r) => r.x === i && fetched.has(r.y));
    const candidates = open.some(reducible) ? open.filter(reducible) : open;
    const next = candidates.reduce((a, b) => (sizes[b]! < sizes[a]! ? b : a));
    const jt = tables[next]!;
    const lists: string[] = [];
    let none = false;
    for (const r of reductions) {
      if (r.x !== next || !fetched.has(r.y)) continue;
      const values = distinctKeys(fetched.get(r.y)!, r.yCol.column);
      if (values.length > cx.semiJoinMaxKeys) continue;
      if (values.length === 0) { none = true; break; }
      lists.push(`(${printExpr(columnExpr(shape, r.xCol))} IN (${values.map((value) => printExpr({ kind: 'lit', value, ...span })).join(', ')}))`);
    }
    let rows: Value[][] = [];
    if (!none) {
      const where = whereOf(next, lists);
      rows = (await Promise.all(parts.map((p) => cx.scan(p, jt.table.name, where === undefined ? undefined : { alias: jt.alias, where })))).flat();
    }
    if (none || lists.length > 0) cx.stats.semiJoin.reduced++;
    else cx.stats.semiJoin.plain++;
    cx.stats.rowsMoved += rows.length;
    fetched.set(next, rows);
  }
  const byName = new Map([...fetched].map(([i, rows]) => [tables[i]!.table.name, rows] as const));
  return cx.mirror.withRows(byName, (ses) => ses.execute(sql, params), cx.callCx);
}

/** The distinct non-NULL values of a column (-1: the rowid) over `[rowid, ...columns]` rows. */
function distinctKeys(rows: readonly Value[][], column: number): Value[] {
  const seen = new Map<string, Value>();
  for (const r of rows) {
    const v = r[column + 1]!;
    if (v !== null) seen.set(valueKey(v), v);
  }
  return [...seen.values()];
}

/** A column reference to `ref` as the partition's scan sees its table (under the query's alias). */
function columnExpr(shape: JoinShape, ref: ColumnRef): Expr {
  const jt = shape.tables[ref.t]!;
  const name = ref.column >= 0 ? jt.table.columns[ref.column]!.name : jt.table.rowidColumn >= 0 ? jt.table.columns[jt.table.rowidColumn]!.name : jt.rowidName!;
  return { kind: 'col', table: jt.alias, name, ...span };
}
