import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { isDependencyOutage } from './dependency-outage';
import { toPublicError, type PublicError } from './error-table';

/** A public error, with the id under which an internal one was logged. */
export interface ReportedError extends PublicError {
  errorId?: string;
}

/** Control characters and the tail of long texts are dropped: a message may quote attacker input. */
function safeText(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

/**
 * The one way an error leaves a transport (HTTP route, gRPC handler, job): mapped to what a client may see,
 * and, when it is internal, logged once at error level with an id the client is given instead of the text.
 * The log carries the error's class, code and message (cleaned and cut), never its SQL, parameters or
 * request data. A dependency outage is logged as a warning without a stack: it is expected while
 * PostgreSQL or Redis restarts.
 */
export function reportError(logger: Logger, err: unknown, where: Record<string, unknown>): ReportedError {
  const pub = toPublicError(err);
  const e = err as { name?: string; code?: unknown; message?: unknown } | undefined;
  const detail = {
    ...where,
    error: e?.name ?? typeof err,
    ...(typeof e?.code === 'string' ? { errorCode: e.code } : {}),
    err: safeText(typeof e?.message === 'string' ? e.message : String(err)),
  };
  if (pub.internal) {
    const errorId = randomUUID();
    logger.error({ errorId, ...detail }, 'internal error');
    return { ...pub, errorId };
  }
  if (isDependencyOutage(err)) logger.warn(detail, 'dependency unavailable');
  return pub;
}
