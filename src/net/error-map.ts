/**
 * The one table that maps the contract's error codes to HTTP statuses and gRPC status codes
 * (shared/contract.md, "Errors" and gRPC "Status codes").
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorCode, HeliosError } from '../errors.js';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  SQL_SYNTAX: 400,
  SQL_ERROR: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  TX_NOT_FOUND: 404,
  CONSTRAINT: 409,
  SERIALIZATION_FAILURE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAVAILABLE: 503,
  /** nginx's "client closed request": nobody reads it, but logs and metrics see it. */
  CANCELLED: 499,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
};

export function grpcStatusOf(e: HeliosError): GrpcStatus {
  switch (e.code) {
    case 'SQL_SYNTAX':
    case 'SQL_ERROR':
    case 'BAD_REQUEST':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'NOT_FOUND':
    case 'TX_NOT_FOUND':
      return GrpcStatus.NOT_FOUND;
    case 'CONSTRAINT':
      return e.constraint === 'primary_key' || e.constraint === 'unique' ? GrpcStatus.ALREADY_EXISTS : GrpcStatus.FAILED_PRECONDITION;
    case 'SERIALIZATION_FAILURE':
      return GrpcStatus.ABORTED;
    case 'PAYLOAD_TOO_LARGE':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'UNAVAILABLE':
      return GrpcStatus.UNAVAILABLE;
    case 'CANCELLED':
      return GrpcStatus.CANCELLED;
    case 'DEADLINE_EXCEEDED':
      return GrpcStatus.DEADLINE_EXCEEDED;
    case 'INTERNAL':
      return GrpcStatus.INTERNAL;
  }
}

/** The JSON error body of the contract. */
export function errorBody(e: HeliosError): { error: { code: ErrorCode; message: string } } {
  return { error: { code: e.code, message: errorMessage(e) } };
}

/** The message clients see: a syntax error always names its offset (the contract asks for where). */
export function errorMessage(e: HeliosError): string {
  return e.offset !== undefined && !/\boffset\b/.test(e.message) ? `${e.message} at offset ${e.offset}` : e.message;
}
