import { status as GrpcStatus } from '@grpc/grpc-js';
import { AppError, type ErrorKind } from './app-error';
import { isDependencyOutage } from './dependency-outage';

/** The one table that maps an error kind to transport statuses. */
const TABLE: Record<ErrorKind, { http: number; grpc: GrpcStatus }> = {
  invalid_argument: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  unauthenticated: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  permission_denied: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED },
  not_found: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  already_exists: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS },
  failed_precondition: { http: 400, grpc: GrpcStatus.FAILED_PRECONDITION },
  payload_too_large: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  unsupported_media_type: { http: 415, grpc: GrpcStatus.INVALID_ARGUMENT },
  resource_exhausted: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  unavailable: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  internal: { http: 500, grpc: GrpcStatus.INTERNAL },
};

/** Seconds a client is asked to wait (Retry-After) when a dependency is briefly unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** What a client may see of an error: its status, stable code and a safe message. */
export interface PublicError {
  http: number;
  grpc: GrpcStatus;
  code: string;
  message: string;
  /** True when the error was not an AppError: the caller should log it, the client sees a generic text. */
  internal: boolean;
  /** Seconds to wait before retrying (HTTP Retry-After), for errors that a retry will likely get past. */
  retryAfterSeconds?: number;
}

/**
 * Maps any thrown value to what a client may see. Unknown errors never reveal their text; a dependency that
 * went away (PostgreSQL restarting, a lost connection) is `unavailable`, so the client knows a retry is safe.
 */
export function toPublicError(err: unknown): PublicError {
  if (err instanceof AppError) {
    const row = TABLE[err.kind];
    const retry = err.kind === 'unavailable' ? { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } : {};
    return { ...row, code: err.code, message: err.message, internal: err.kind === 'internal', ...retry };
  }
  if (isDependencyOutage(err)) {
    return {
      ...TABLE.unavailable,
      code: 'unavailable',
      message: 'the service is briefly unavailable; retry later',
      internal: false,
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    };
  }
  return { ...TABLE.internal, code: 'internal_error', message: 'internal server error', internal: true };
}
