/**
 * Co-located joins (join-shape.ts {@link coLocated}): every output row is made of rows of one
 * partition, so the join of partition p's rows is the global join restricted to p, and the
 * query runs where the rows are. How the partitions' answers combine depends on what is left
 * to do across them:
 *
 *   concat            no aggregate/DISTINCT, no ORDER BY  the rows, concatenated (then OFFSET/LIMIT)
 *   merge             the same with ORDER BY              each partition sorts and cuts to LIMIT+OFFSET;
 *                                                         k-way merge here (ordered-merge.ts)
 *   (either)          GROUP BY / DISTINCT on the shard    every group lives on one partition: the whole
 *                     key of a table never NULL-extended  query (HAVING too) runs there
 *   partialAggregate  other COUNT/SUM/TOTAL/MIN/MAX/AVG   per-partition partials over the join, merged
 *                                                         in the mirror (partial-aggregate.ts)
 *   reduced           anything else (DISTINCT, count(DISTINCT …), a sort collation not known here)
 *                     each table's rows that take part in the join on their partition — WHERE
 *                     `rowid IN (SELECT alias.rowid FROM <the join> WHERE …)`; a LEFT JOIN's right
 *                     table: the rows its own ON conjuncts allow — then the query in the mirror:
 *                     the joined rows' sources, not the whole tables, cross
 *
 * Each returns null when it cannot answer exactly, and the next (finally the router's generic
 * path) takes over.
 */
import type { Value } from '../storage/api.js';
import type { ExecResult, Params } from '../sql/index.js';
import type { Expr, ResultColumn, Select } from '../sql/ast.js';
import { isAggregateCall } from '../sql/aggregates.js';
import { printExpr, printSelect } from '../sql/ast-printer.js';
import type { ScanPushdown } from '../shard/fragment-protocol.js';
import { onEveryPartition, type JoinContext } from './join-context.js';
import type { JoinShape } from './join-shape.js';
import { mergeSorted, termCollation, type MergeKey } from './ordered-merge.js';
import { partialAggregateOver, runPartialAggregate } from './partial-aggregate.js';

const span = { start: 0, end: 0 };
const HIDDEN_ALIAS = '__hj';

export async function runColocated(cx: JoinContext, shape: JoinShape, sql: string, params: Params, names: readonly string[]): Promise<ExecResult | null> {
  const { core, select: s } = shape;
  const aggregate = !!core.groupBy || containsAggregate([core.columns, core.having, s.orderBy]);
  const local = aggregate ? groupsOnKey(shape) : !core.distinct || distinctOnKey(shape);
  if (local) {
    const r = await runLocal(cx, shape, sql, params, names);
    if (r) return r;
  }
  if (aggregate) {
    const plan = partialAggregateOver(s, [], (e) => {
      const r = shape.resolve(e);
      return r ? { id: `${r.t}.${r.column}`, coll: r.coll } : null;
    });
    if (plan) {
      cx.stats.colocated.partialAggregate++;
      return runPartialAggregate(plan, names, async (q) => (await onEveryPartition(cx, q, [])).map((r) => r.rows), cx.mirror, cx.callCx);
    }
  }
  return runReduced(cx, shape, sql, params);
}

/** A column of the query that is the shard key of a table never NULL-extended, compared with BINARY: equal values share a partition. */
function isLocalKey(shape: JoinShape, e: Expr): boolean {
  const r = shape.resolve(e);
  if (!r) return false;
  const t = shape.tables[r.t]!;
  return !t.nullable && r.column === t.key.column && r.coll === 'BINARY';
}

const resultAliases = (shape: JoinShape): Set<string> => new Set(shape.core.columns.flatMap((c) => (c.kind === 'expr' && c.alias ? [c.alias.toLowerCase()] : [])));

function groupsOnKey(shape: JoinShape): boolean {
  const aliases = resultAliases(shape);
  return (shape.core.groupBy ?? []).some((g) => g.kind === 'col' && !(g.table === undefined && aliases.has(g.name.toLowerCase())) && isLocalKey(shape, g));
}

function distinctOnKey(shape: JoinShape): boolean {
  return shape.core.columns.some((c) => c.kind === 'expr' && isLocalKey(shape, c.expr));
}

/** concat / merge: the query on every partition, sort keys as hidden trailing columns, OFFSET and LIMIT applied here. */
async function runLocal(cx: JoinContext, shape: JoinShape, sql: string, params: Params, names: readonly string[]): Promise<ExecResult | null> {
  const { core, select: s } = shape;
  const n = s.limit ? intOf(s.limit) : -1n;
  const given = s.offset ? intOf(s.offset) : 0n;
  if (n === null || given === null) return null;
  const off = given < 0n ? 0n : given; // as the engine: a negative OFFSET is none
  const hidden: Expr[] = [];
  const keys: { out: number; hidden: number; desc: boolean; nullsFirst: boolean; coll: MergeKey['coll'] }[] = [];
  const aliasIndex = new Map<string, number>();
  core.columns.forEach((c, i) => { if (c.kind === 'expr' && c.alias && !aliasIndex.has(c.alias.toLowerCase())) aliasIndex.set(c.alias.toLowerCase(), i); });
  const hasStar = core.columns.some((c) => c.kind === 'star');
  for (const t of s.orderBy ?? []) {
    const inner = t.expr.kind === 'collate' ? t.expr.expr : t.expr;
    let out = -1;
    if (inner.kind === 'lit' && typeof inner.value === 'bigint') out = Number(inner.value) - 1;
    else if (inner.kind === 'col' && inner.table === undefined && aliasIndex.has(inner.name.toLowerCase())) out = aliasIndex.get(inner.name.toLowerCase())!;
    let coll: MergeKey['coll'] | null;
    if (out >= 0) {
      const rc = core.columns[out];
      if (hasStar || !rc || rc.kind !== 'expr') return null; // the output position of a column is not known here
      coll = t.expr.kind === 'collate' ? termCollation(t.expr, shape.resolve) : termCollation(rc.expr, shape.resolve);
    } else {
      if (core.distinct) return null; // a hidden column would change what DISTINCT compares
      coll = termCollation(t.expr, shape.resolve);
    }
    if (coll === null) return null;
    keys.push({ out, hidden: out >= 0 ? -1 : hidden.length, desc: t.desc, nullsFirst: t.nulls ? t.nulls === 'first' : !t.desc, coll });
    if (out < 0) hidden.push(t.expr);
  }
  const { limit: _l, offset: _o, ...rest } = s;
  const partial: Select = {
    ...rest,
    cores: [{ ...core, columns: [...core.columns, ...hidden.map((expr, i): ResultColumn => ({ kind: 'expr', expr, alias: `${HIDDEN_ALIAS}${i}` }))] }],
    ...(n >= 0n ? { limit: { kind: 'lit', value: n + off, ...span } } : {}),
  };
  const asIs = hidden.length === 0 && !s.limit && !s.offset;
  const rs = await (asIs ? onEveryPartition(cx, sql, params) : onEveryPartition(cx, printSelect(partial), []));
  const visible = rs[0]!.columns.length - hidden.length;
  const lim = n >= 0n ? Number(n) : Infinity;
  let rows: Value[][];
  if (keys.length > 0) {
    cx.stats.colocated.merge++;
    rows = mergeSorted(rs.map((r) => r.rows), keys.map((k) => ({ index: k.out >= 0 ? k.out : visible + k.hidden, desc: k.desc, nullsFirst: k.nullsFirst, coll: k.coll })), Number(off), lim);
  } else {
    cx.stats.colocated.concat++;
    rows = rs.flatMap((r) => r.rows).slice(Number(off), lim === Infinity ? undefined : Number(off) + lim);
  }
  if (hidden.length > 0) rows = rows.map((r) => r.slice(0, visible));
  return { columns: [...names], rows, rowsAffected: 0, lastInsertId: null };
}

/**
 * reduced: each table's rows that take part in the join on their own partition, then the query
 * in the mirror over them. A table never NULL-extended keeps the rows of output rows — `rowid IN
 * (SELECT alias.rowid FROM <the join> WHERE …)` — which is exact: a dropped row is in no output
 * row, and no other row's matches change. A LEFT JOIN's right table keeps every row its own ON
 * conjuncts allow: a left row that never reaches the output may still be rebuilt in the mirror,
 * and must find all its matches there, or it would come out NULL-extended. Needs each table once
 * (the mirror holds one set of rows per table) and every WHERE/ON column resolvable here.
 */
async function runReduced(cx: JoinContext, shape: JoinShape, sql: string, params: Params): Promise<ExecResult | null> {
  const { tables, core } = shape;
  if (new Set(tables.map((t) => t.table.name.toLowerCase())).size !== tables.length) return null;
  if (tables.some((t) => !t.rowidName) || shape.conjuncts.some((c) => c.uses === null)) return null;
  const fetched = new Map<string, Value[][]>();
  await Promise.all(tables.map(async (jt, i) => {
    let pushdown: ScanPushdown | undefined;
    if (jt.nullable) {
      const own = shape.conjuncts.filter((c) => c.source.kind === 'left' && c.source.t === i && c.uses!.size === 1 && c.uses!.has(i));
      if (own.length > 0) pushdown = { alias: jt.alias, where: own.map((c) => `(${printExpr(c.expr)})`).join(' AND ') };
    } else {
      const rowid = jt.rowidName!;
      const sources = printSelect({
        kind: 'select', ...span, ops: [],
        cores: [{ kind: 'core', distinct: false, columns: [{ kind: 'expr', expr: { kind: 'col', table: jt.alias, name: rowid, ...span } }], from: core.from!, ...(core.where ? { where: core.where } : {}) }],
      });
      pushdown = { alias: HIDDEN_ALIAS, where: `"${HIDDEN_ALIAS}".${rowid} IN (${sources})` };
    }
    const parts = await Promise.all([...Array(cx.partitions).keys()].map((p) => cx.scan(p, jt.table.name, pushdown)));
    const rows = parts.flat();
    cx.stats.rowsMoved += rows.length;
    fetched.set(jt.table.name, rows);
  }));
  cx.stats.colocated.reduced++;
  return cx.mirror.withRows(fetched, (ses) => ses.execute(sql, params), cx.callCx);
}

/** An integer literal (a bound parameter is one after inlining), possibly negated; null for anything else. */
function intOf(e: Expr): bigint | null {
  if (e.kind === 'unary' && e.op === '-') {
    const v = intOf(e.expr);
    return v === null ? null : -v;
  }
  return e.kind === 'lit' && typeof e.value === 'bigint' ? e.value : null;
}

function containsAggregate(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  if (Array.isArray(node)) return node.some(containsAggregate);
  const o = node as Record<string, unknown>;
  if (o['kind'] === 'fn') {
    const f = o as unknown as Extract<Expr, { kind: 'fn' }>;
    if (isAggregateCall(f.name.toLowerCase(), f.args.length, f.star)) return true;
  }
  return Object.entries(o).some(([k, v]) => k !== 'start' && k !== 'end' && containsAggregate(v));
}
