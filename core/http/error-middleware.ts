import type { Middleware } from 'koa';
import { reportError } from '../errors/report-error';
import type { Logger } from '../logging/logger';

/**
 * The one place where HTTP errors become responses: `{ code, error }` with the table's status, the id of an
 * internal error in `x-request-id` and Retry-After when a retry will likely work. Routes that must shape
 * their own error body (the publish API) use `reportError` the same way.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const pub = reportError(logger, err, { path: ctx.path });
      if (pub.errorId) ctx.set('x-request-id', pub.errorId);
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      ctx.status = pub.http;
      ctx.body = { code: pub.code, error: pub.message };
    }
  };
}
