/**
 * Two `exec` backends for the schema-API tests, run in lockstep: the product's SQL engine over
 * the memory partition, and SQLite itself (better-sqlite3) as the oracle.
 */
import type Database from 'better-sqlite3';
import type { ApiValue, ExecFn } from '../../src/net/schema-api/index.js';
import { openOracle, openSession } from '../sql/helpers.js';

export interface Backend {
  name: string;
  exec: ExecFn;
  /** Every statement the API ran, in order. */
  log: { sql: string; params: ApiValue[] }[];
}

export function engineBackend(now = () => Date.UTC(2026, 0, 2, 3, 4, 5)): Backend {
  const session = openSession({ now });
  const log: Backend['log'] = [];
  return {
    name: 'engine',
    log,
    exec: async (sql, params) => {
      log.push({ sql, params });
      const r = session.execute(sql, params);
      return { columns: r.columns, rows: r.rows, rowsAffected: r.rowsAffected };
    },
  };
}

/** better-sqlite3 binds `?NNN` only by name, so the adapter renumbers them into plain `?`. */
function positional(sql: string, params: ApiValue[]): [string, unknown[]] {
  const out: unknown[] = [];
  const text = sql.replace(/\?(\d+)/g, (_m, n: string) => {
    out.push(toSqlite(params[Number(n) - 1] ?? null));
    return '?';
  });
  return [text, out];
}

const toSqlite = (v: ApiValue): unknown => (v instanceof Uint8Array ? Buffer.from(v) : v);

export function sqliteBackend(): Backend & { db: Database.Database } {
  const db = openOracle();
  const log: Backend['log'] = [];
  return {
    name: 'sqlite',
    db,
    log,
    exec: async (sql, params) => {
      log.push({ sql, params });
      const [text, args] = positional(sql, params);
      const st = db.prepare(text);
      if (!st.reader) {
        const info = st.run(...args);
        return { columns: [], rows: [], rowsAffected: info.changes };
      }
      const columns = st.columns().map((c) => c.name);
      const rows = (st.raw(true).all(...args) as unknown[][]).map((r) => r.map((v) => (Buffer.isBuffer(v) ? new Uint8Array(v) : (v as ApiValue))));
      // RETURNING statements are readers too; `changes` is what they touched.
      const rowsAffected = /^\s*(insert|update|delete)/i.test(text) ? rows.length : 0;
      return { columns, rows, rowsAffected };
    },
  };
}

export const BACKENDS: (() => Backend)[] = [engineBackend, sqliteBackend];
