/**
 * SQL requests inside a shard: `/v1/sql` and `/v1/batch` bodies arrive as the client's JSON bytes
 * and leave as the response body (encoded once, here). Runs on the shard's {@link SqlEngine};
 * every statement either takes full effect or none (the engine's statement-level undo), and an
 * atomic batch commits all its statements or none.
 */
import { HeliosError } from '../errors.js';
import type { SqlEngine, SqlSession } from '../sql/index.js';
import { batchBody, parseJsonBody, resultToJson, sqlBody } from './json-codec.js';

const encoder = new TextEncoder();

export class SqlHandler {
  /** The auto-commit session shared by one-shot requests (no transaction state survives a request). */
  private readonly session: SqlSession;

  constructor(engine: SqlEngine) {
    this.session = engine.session();
  }

  exec(body: Uint8Array): Uint8Array {
    const { sql, params } = sqlBody(parseJsonBody(body), 'body');
    try {
      return encoder.encode(resultToJson(this.session.execute(sql, params)));
    } finally {
      // A one-shot statement must not leave a transaction open (e.g. a bare BEGIN).
      if (this.session.inTransaction()) this.session.rollback();
    }
  }

  batch(body: Uint8Array): Uint8Array {
    const { statements, transaction } = batchBody(parseJsonBody(body));
    const s = this.session;
    const results: string[] = [];
    if (transaction) s.execute('BEGIN');
    let i = 0;
    try {
      for (; i < statements.length; i++) {
        const st = statements[i]!;
        results.push(resultToJson(s.execute(st.sql, st.params)));
      }
      if (transaction) s.execute('COMMIT');
      else if (s.inTransaction()) s.rollback(); // a BEGIN without COMMIT does not outlive the request
    } catch (e) {
      if (s.inTransaction()) s.rollback();
      const err = HeliosError.from(e);
      const tagged = new HeliosError(err.code, `statement ${i}: ${err.message}`, { ...err.toData(), statementIndex: i });
      throw tagged;
    }
    return encoder.encode(`{"results":[${results.join(',')}]}`);
  }
}
