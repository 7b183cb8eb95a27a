/**
 * The resource operations both generated APIs share: REST and gRPC each decode their request
 * into an {@link Operation} (typed SQL values, no wire format left), {@link planOperation} turns
 * it into one SQL statement (pure: what the tests check), and {@link runOperation} executes it
 * through the injected `exec` and shapes the answer, with NOT_FOUND when no row matched.
 *
 *   Create  INSERT INTO t (cols…) VALUES (?1…) RETURNING *      (DEFAULT VALUES when empty)
 *   Get     SELECT * FROM t WHERE pk = ?1
 *   List    SELECT * FROM t WHERE filters AND keyset ORDER BY keys LIMIT page_size + 1
 *   Update  UPDATE t SET c = ?1, … WHERE pk = ?n RETURNING *     (a Get when nothing is set)
 *   Delete  DELETE FROM t WHERE pk = ?1
 *   custom  the method's SQL with its named parameters numbered
 *
 * The extra row of List says whether a next page exists without a second query.
 */
import { HeliosError, badRequest, notFound } from '../../errors.js';
import type { MethodModel, TableModel } from './api-model.js';
import { afterPredicate, keyExpr, keyResultColumn, parseOrderBy, ROWID_ALIAS, sortKeys } from './keyset.js';
import { queryDigest, type PageTokens } from './page-token.js';
import { quoteIdent } from './sql-text.js';
import type { ApiValue, ExecFn, ExecResult, ExecRowJsonFn, SqlStatement } from './types.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export type Operation =
  | { kind: 'create'; values: [string, ApiValue][] }
  | { kind: 'get'; id: ApiValue }
  | { kind: 'list'; filters: [string, ApiValue][]; orderBy: string; pageSize: number; pageToken: string }
  | { kind: 'update'; id: ApiValue; set: [string, ApiValue][] }
  | { kind: 'delete'; id: ApiValue }
  | { kind: 'custom'; method: MethodModel; params: ApiValue[] };

/** A row as column name → value, in result-column order. */
export type Row = Record<string, ApiValue>;

export type OperationResult =
  | { kind: 'row'; row: Row }
  | { kind: 'rows'; rows: Row[]; nextPageToken: string }
  | { kind: 'empty' };

function column(m: TableModel, name: string, where: string): string {
  const c = m.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) throw badRequest(`${where}: no column ${JSON.stringify(name)} in ${m.pkg}`);
  return c.name;
}

function requirePk(m: TableModel): string {
  if (!m.pk) throw notFound(`table ${m.pkg} has no single-column primary key, so its rows have no resource names`);
  return m.pk.name;
}

/** The effective page size: 0 → the default, above the cap → the cap (AIP-158). */
export function pageSizeOf(requested: number): number {
  if (!Number.isInteger(requested) || requested < 0) throw badRequest(`page_size must be a non-negative integer, got ${requested}`);
  return requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
}

/** The list plan also says how to read the page back (keys, page size, digest). */
export interface ListPlan extends SqlStatement {
  keys: ReturnType<typeof sortKeys>;
  pageSize: number;
  digest: string;
}

export function planList(m: TableModel, op: Extract<Operation, { kind: 'list' }>, tokens: PageTokens): ListPlan {
  const t = quoteIdent(m.pkg);
  const filters = op.filters.map(([c, v]) => [column(m, c, 'filter'), v] as [string, ApiValue]);
  const seen = new Set<string>();
  for (const [c] of filters) {
    if (seen.has(c)) throw badRequest(`filter on ${c} given twice`);
    seen.add(c);
  }
  filters.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keys = sortKeys(m, parseOrderBy(m, op.orderBy));
  const pageSize = pageSizeOf(op.pageSize);
  const digest = queryDigest({ t: m.pkg, f: filters, o: keys });
  const params: ApiValue[] = [];
  const where = filters.map(([c, v]) => {
    params.push(v);
    return `${quoteIdent(c)} = ?${params.length}`;
  });
  if (op.pageToken !== '') {
    const last = tokens.decode(op.pageToken, digest, keys.length);
    const after = afterPredicate(keys, last, params);
    where.push(after ?? '0');
  }
  params.push(BigInt(pageSize + 1));
  const rowid = m.pk ? '' : `, rowid AS ${quoteIdent(ROWID_ALIAS)}`;
  const sql = `SELECT *${rowid} FROM ${t}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${keys.map((k) => `${keyExpr(k)}${k.desc ? ' DESC' : ''}`).join(', ')} LIMIT ?${params.length}`;
  return { sql, params, keys, pageSize, digest };
}

/** The one statement an operation runs (List: see {@link planList}). */
export function planOperation(m: TableModel, op: Operation, tokens: PageTokens): SqlStatement {
  const t = quoteIdent(m.pkg);
  switch (op.kind) {
    case 'create': {
      const cols = op.values.map(([c]) => column(m, c, 'body'));
      if (new Set(cols).size !== cols.length) throw badRequest('a column is given twice');
      if (cols.length === 0) return { sql: `INSERT INTO ${t} DEFAULT VALUES RETURNING *`, params: [] };
      return {
        sql: `INSERT INTO ${t} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(', ')}) RETURNING *`,
        params: op.values.map(([, v]) => v),
      };
    }
    case 'get':
      return { sql: `SELECT * FROM ${t} WHERE ${quoteIdent(requirePk(m))} = ?1`, params: [op.id] };
    case 'list': {
      const { sql, params } = planList(m, op, tokens);
      return { sql, params };
    }
    case 'update': {
      const pk = requirePk(m);
      const cols = op.set.map(([c]) => column(m, c, 'update'));
      if (new Set(cols).size !== cols.length) throw badRequest('a column is given twice');
      if (cols.length === 0) return planOperation(m, { kind: 'get', id: op.id }, tokens);
      const params = [...op.set.map(([, v]) => v), op.id];
      return { sql: `UPDATE ${t} SET ${cols.map((c, i) => `${quoteIdent(c)} = ?${i + 1}`).join(', ')} WHERE ${quoteIdent(pk)} = ?${params.length} RETURNING *`, params };
    }
    case 'delete':
      return { sql: `DELETE FROM ${t} WHERE ${quoteIdent(requirePk(m))} = ?1`, params: [op.id] };
    case 'custom':
      return { sql: op.method.parsed.sql, params: op.params };
  }
}

export function rowsOf(res: ExecResult): Row[] {
  return res.rows.map((r) => {
    const o: Row = {};
    res.columns.forEach((c, i) => {
      o[c] = r[i] ?? null;
    });
    return o;
  });
}

export const noRow = (m: TableModel, id: ApiValue): HeliosError => notFound(`${m.pkg}: no row with ${m.pk?.name ?? 'key'} ${typeof id === 'string' ? JSON.stringify(id) : String(id)}`);

/**
 * Get with the reply encoded in the shard (`row-json` or `row-proto`): the shard's bytes
 * (NOT_FOUND when it sent none: it found no row), or the shaped result when values came back
 * (the statement was not routed to one partition alone).
 */
export async function runGetEncoded(m: TableModel, op: Extract<Operation, { kind: 'get' }>, exec: ExecRowJsonFn, tokens: PageTokens): Promise<Uint8Array | OperationResult> {
  const st = planOperation(m, op, tokens);
  const res = await exec(st.sql, st.params);
  if (res instanceof Uint8Array) {
    if (res.byteLength === 0) throw noRow(m, op.id);
    return res;
  }
  const rows = rowsOf(res);
  if (rows.length === 0) throw noRow(m, op.id);
  return { kind: 'row', row: rows[0]! };
}

/**
 * {@link runGetEncoded} when the shard-encoded row is at hand now (`now`: a point read from the
 * shard's pages): the bytes, or undefined when it is not (then run the Get as usual); throws
 * NOT_FOUND when the pages show no row.
 */
export function runGetNow(m: TableModel, op: Extract<Operation, { kind: 'get' }>, now: (sql: string, params: ApiValue[]) => Uint8Array | undefined, tokens: PageTokens): Uint8Array | undefined {
  const st = planOperation(m, op, tokens);
  const r = now(st.sql, st.params);
  if (r !== undefined && r.byteLength === 0) throw noRow(m, op.id);
  return r;
}

/** Plans, executes and shapes one operation. */
export async function runOperation(m: TableModel, op: Operation, exec: ExecFn, tokens: PageTokens): Promise<OperationResult> {
  if (op.kind === 'list') {
    const plan = planList(m, op, tokens);
    const rows = rowsOf(await exec(plan.sql, plan.params));
    let next = '';
    if (rows.length > plan.pageSize) {
      rows.length = plan.pageSize;
      const last = rows[rows.length - 1]!;
      next = tokens.encode(plan.digest, plan.keys.map((k) => last[keyResultColumn(k)] ?? null));
    }
    if (!m.pk) for (const r of rows) delete r[ROWID_ALIAS];
    return { kind: 'rows', rows, nextPageToken: next };
  }
  const st = planOperation(m, op, tokens);
  const res = await exec(st.sql, st.params);
  const rows = rowsOf(res);
  switch (op.kind) {
    case 'create':
      if (rows.length !== 1) throw new HeliosError('INTERNAL', `INSERT … RETURNING * into ${m.pkg} returned ${rows.length} rows`);
      return { kind: 'row', row: rows[0]! };
    case 'get':
    case 'update':
      if (rows.length === 0) throw noRow(m, op.id);
      return { kind: 'row', row: rows[0]! };
    case 'delete':
      if (res.rowsAffected === 0) throw noRow(m, op.id);
      return { kind: 'empty' };
    case 'custom':
      if (op.method.returns === 'rows') return { kind: 'rows', rows, nextPageToken: '' };
      if (op.method.returns === 'row') {
        if (rows.length === 0) throw notFound(`${op.method.name}: no row matched`);
        return { kind: 'row', row: rows[0]! };
      }
      return { kind: 'empty' };
  }
}
