/**
 * The kinds an error can have. Each maps to one HTTP status and one gRPC status in `error-table.ts`.
 * Code matches on the class (`instanceof AppError`) and `kind`, never on message text.
 */
export type ErrorKind =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'resource_exhausted'
  | 'unavailable'
  | 'internal';

/**
 * An error that is safe to show to a client: `code` is a stable snake_case identifier and `message`
 * is written for the caller. Anything that is not an AppError is treated as an internal fault and masked.
 */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** The request itself is malformed or breaks a rule (400 / INVALID_ARGUMENT). */
export class BadRequestError extends AppError {
  constructor(message: string, code = 'bad_request', details: Record<string, unknown> = {}) {
    super('invalid_argument', code, message, details);
    this.name = 'BadRequestError';
  }
}

/** The caller could not be identified or its credentials did not verify (401 / UNAUTHENTICATED). */
export class UnauthenticatedError extends AppError {
  constructor(message: string, code = 'unauthenticated') {
    super('unauthenticated', code, message);
    this.name = 'UnauthenticatedError';
  }
}

/** A named thing does not exist (404 / NOT_FOUND). */
export class NotFoundError extends AppError {
  constructor(message: string, code = 'not_found') {
    super('not_found', code, message);
    this.name = 'NotFoundError';
  }
}

/** The thing exists already (409 / ALREADY_EXISTS). */
export class AlreadyExistsError extends AppError {
  constructor(message: string, code = 'already_exists') {
    super('already_exists', code, message);
    this.name = 'AlreadyExistsError';
  }
}

/** A dependency (database, Redis, an upstream) is not reachable right now (503 / UNAVAILABLE). */
export class UnavailableError extends AppError {
  constructor(message: string, code = 'unavailable') {
    super('unavailable', code, message);
    this.name = 'UnavailableError';
  }
}
