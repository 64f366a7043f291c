import { status as GrpcStatus } from '@grpc/grpc-js';
import { AppError, type ErrorKind } from './app-error';

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

/** What a client may see of an error: its status, stable code and a safe message. */
export interface PublicError {
  http: number;
  grpc: GrpcStatus;
  code: string;
  message: string;
  /** True when the error was not an AppError: the caller should log it, the client sees a generic text. */
  internal: boolean;
}

/** Maps any thrown value to what a client may see. Unknown errors never reveal their text. */
export function toPublicError(err: unknown): PublicError {
  if (err instanceof AppError) {
    const row = TABLE[err.kind];
    return { ...row, code: err.code, message: err.message, internal: err.kind === 'internal' };
  }
  return { ...TABLE.internal, code: 'internal_error', message: 'internal server error', internal: true };
}
