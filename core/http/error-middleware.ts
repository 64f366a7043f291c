import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { toPublicError } from '../errors/error-table';
import type { Logger } from '../logging/logger';

/**
 * The one place where HTTP errors become responses: `{ code, error }` with the table's status.
 * Unknown errors are logged with a request id and answered with a generic text; their message never leaks.
 * Routes that must shape their own error body (the publish API) catch before this runs.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const pub = toPublicError(err);
      if (pub.internal) {
        const requestId = randomUUID();
        logger.error({ requestId, path: ctx.path, err: (err as Error)?.stack ?? String(err) }, 'request failed');
        ctx.set('x-request-id', requestId);
      }
      ctx.status = pub.http;
      ctx.body = { code: pub.code, error: pub.message };
    }
  };
}
