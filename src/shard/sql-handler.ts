/**
 * SQL requests inside a shard: REST bodies (JSON) and gRPC messages (protobuf) arrive as the
 * client's bytes and leave as the response body — encoded once, here. Runs on the shard's
 * {@link SqlEngine}; every statement takes full effect or none (the engine's statement-level
 * undo), and an atomic batch commits all its statements or none.
 */
import { HeliosError } from '../errors.js';
import type { ExecResult, Params, SqlEngine, SqlSession } from '../sql/index.js';
import { decodeBatch, decodeStatement, encodeBatchResponse, encodeExecuteResponse } from './grpc-codec.js';
import { splitStatements } from '../sql/index.js';
import { encodeJson } from './protocol.js';
import { describeCatalog } from './schema-describe.js';
import { batchBody, parseJsonBody, resultToJson, sqlBody } from './json-codec.js';

const encoder = new TextEncoder();

interface Stmt {
  sql: string;
  params: Params;
}

export class SqlHandler {
  /** The auto-commit session shared by one-shot requests (no transaction state survives a request). */
  private readonly session: SqlSession;
  /** Tells this engine instance's catalog versions from a restarted shard's (see describeCatalog). */
  private readonly epoch = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  constructor(private readonly engine: SqlEngine) {
    this.session = engine.session();
  }

  schema(): Uint8Array {
    return encodeJson(describeCatalog(this.engine.catalog, this.epoch));
  }

  exec(body: Uint8Array): Uint8Array {
    return encoder.encode(resultToJson(this.runOne(sqlBody(parseJsonBody(body), 'body'))));
  }

  batch(body: Uint8Array): Uint8Array {
    const { statements, transaction } = batchBody(parseJsonBody(body));
    return encoder.encode(`{"results":[${this.runBatch(statements, transaction).map(resultToJson).join(',')}]}`);
  }

  execProto(body: Uint8Array): Uint8Array {
    const st = decodeStatement(body);
    if (st.txId !== '') throw new HeliosError('TX_NOT_FOUND', `transaction ${JSON.stringify(st.txId)} does not exist or has expired`);
    return encodeExecuteResponse(this.runOne(st));
  }

  batchProto(body: Uint8Array): Uint8Array {
    const b = decodeBatch(body);
    return encodeBatchResponse(this.runBatch(b.statements, b.transaction));
  }

  private runOne(st: Stmt): ExecResult {
    try {
      return this.session.execute(st.sql, st.params);
    } catch (e) {
      throw oneStatementOnly(e, st.sql);
    } finally {
      // A one-shot statement must not leave a transaction open (e.g. a bare BEGIN).
      if (this.session.inTransaction()) this.session.rollback();
    }
  }

  /** Runs statements atomically (`transaction`) or one by one, stopping at the first error. */
  private runBatch(statements: readonly Stmt[], transaction: boolean): ExecResult[] {
    const s = this.session;
    const results: ExecResult[] = [];
    if (transaction) s.execute('BEGIN');
    let i = 0;
    try {
      for (; i < statements.length; i++) results.push(s.execute(statements[i]!.sql, statements[i]!.params));
      if (transaction) s.execute('COMMIT');
      else if (s.inTransaction()) s.rollback(); // a BEGIN without COMMIT does not outlive the request
    } catch (e) {
      if (s.inTransaction()) s.rollback();
      const err = HeliosError.from(e);
      throw new HeliosError(err.code, `statement ${i}: ${err.message}`, { ...err.toData(), statementIndex: i });
    }
    return results;
  }
}

/** A syntax error caused by a second statement becomes the contract's "one statement per call" error. */
function oneStatementOnly(e: unknown, sql: string): unknown {
  if (!(e instanceof HeliosError) || e.code !== 'SQL_SYNTAX') return e;
  let n: number;
  try {
    n = splitStatements(sql).length;
  } catch {
    return e;
  }
  return n > 1 ? new HeliosError('SQL_ERROR', `one statement per request, found ${n}: use /v1/batch (or Batch) for several`) : e;
}
