/**
 * The error taxonomy of HeliosDB-Lite: one class, {@link HeliosError}, whose `code` is one of the
 * contract's error codes (shared/contract.md, "Errors"). Every layer throws these; errors cross
 * the shard rings as plain data ({@link HeliosError.toData} / {@link HeliosError.fromData}); one
 * table in `src/net` maps codes to HTTP and gRPC statuses.
 *
 * A bug is not a user error: a broken internal invariant throws {@link assertionFailed} (code
 * INTERNAL), which the shard treats as fatal for itself.
 *
 * This module is a leaf: it imports nothing from the project.
 */

/** The contract's codes, each documented with when it is returned. */
export const ERROR_CODES = {
  /** The SQL text does not parse; `offset` holds the byte offset of the offending token. */
  SQL_SYNTAX: 'SQL_SYNTAX',
  /** The SQL parses but cannot run: no such table or column, wrong parameter count, type mismatch. */
  SQL_ERROR: 'SQL_ERROR',
  /** The request body is not JSON or not of the expected shape. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Unknown route, unknown resource, or no such row in the resource API. */
  NOT_FOUND: 'NOT_FOUND',
  /** Unknown or expired interactive transaction. */
  TX_NOT_FOUND: 'TX_NOT_FOUND',
  /** PRIMARY KEY, UNIQUE, NOT NULL or CHECK violated; `constraint` says which. */
  CONSTRAINT: 'CONSTRAINT',
  /** Aborted by concurrency control; the client should retry the whole transaction. */
  SERIALIZATION_FAILURE: 'SERIALIZATION_FAILURE',
  /** The request body is over `max_request_size_mb`. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The request body is not JSON. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** Not ready, draining, overloaded (a full ring), or a shard went away; retryable. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The client cancelled the request (gRPC cancel, closed connection); its work was stopped. */
  CANCELLED: 'CANCELLED',
  /** The request's deadline passed; its work was stopped (a statement leaves no partial effect). */
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  /** A bug or an unexpected fault (corruption, I/O error); logged with the request id. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Which constraint a CONSTRAINT error violated (gRPC maps primary_key/unique to ALREADY_EXISTS). */
export type ConstraintKind = 'primary_key' | 'unique' | 'not_null' | 'check' | 'foreign_key';

/** The serialisable form of an error, as it crosses a ring or a worker boundary. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  offset?: number;
  constraint?: ConstraintKind;
  /** For batches: the index of the statement that failed. */
  statementIndex?: number;
}

export class HeliosError extends Error {
  readonly code: ErrorCode;
  /** Byte offset into the SQL text, for SQL_SYNTAX (and SQL_ERROR where known). */
  readonly offset?: number;
  readonly constraint?: ConstraintKind;
  statementIndex?: number;

  constructor(code: ErrorCode, message: string, extra: Omit<ErrorData, 'code' | 'message'> = {}) {
    super(message);
    this.name = 'HeliosError';
    this.code = code;
    if (extra.offset !== undefined) this.offset = extra.offset;
    if (extra.constraint !== undefined) this.constraint = extra.constraint;
    if (extra.statementIndex !== undefined) this.statementIndex = extra.statementIndex;
  }

  /** True when retrying the same request (or transaction) may succeed. */
  get retryable(): boolean {
    return this.code === 'SERIALIZATION_FAILURE' || this.code === 'UNAVAILABLE';
  }

  toData(): ErrorData {
    const d: ErrorData = { code: this.code, message: this.message };
    if (this.offset !== undefined) d.offset = this.offset;
    if (this.constraint !== undefined) d.constraint = this.constraint;
    if (this.statementIndex !== undefined) d.statementIndex = this.statementIndex;
    return d;
  }

  static fromData(d: ErrorData): HeliosError {
    const { code, message, ...extra } = d;
    return new HeliosError(code, message, extra);
  }

  /** Wraps anything thrown into a HeliosError; non-Helios errors become INTERNAL. */
  static from(e: unknown): HeliosError {
    if (e instanceof HeliosError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    return new HeliosError('INTERNAL', msg);
  }
}

export const sqlSyntax = (message: string, offset: number): HeliosError =>
  new HeliosError('SQL_SYNTAX', message, { offset });
export const sqlError = (message: string, offset?: number): HeliosError =>
  new HeliosError('SQL_ERROR', message, offset === undefined ? {} : { offset });
export const constraintError = (constraint: ConstraintKind, message: string): HeliosError =>
  new HeliosError('CONSTRAINT', message, { constraint });
export const unavailable = (message: string): HeliosError => new HeliosError('UNAVAILABLE', message);
export const badRequest = (message: string): HeliosError => new HeliosError('BAD_REQUEST', message);
export const notFound = (message: string): HeliosError => new HeliosError('NOT_FOUND', message);
export const cancelled = (message: string): HeliosError => new HeliosError('CANCELLED', message);
export const deadlineExceeded = (message: string): HeliosError => new HeliosError('DEADLINE_EXCEEDED', message);
export const serializationFailure = (message: string): HeliosError =>
  new HeliosError('SERIALIZATION_FAILURE', message);

/** A broken internal invariant: a bug, never a user error. */
export function assertionFailed(message: string): never {
  throw new HeliosError('INTERNAL', `assertion failed: ${message}`);
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) assertionFailed(message);
}
