import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../core/errors/app-error';
import { reportError } from '../../core/errors/report-error';
import { readBody } from '../../core/http/read-body';
import type { Logger } from '../../core/logging/logger';
import type { ClaimTokens } from './claim-tokens';
import type { CodesMetrics } from './codes.metrics';
import { issueCode, parseCodeOptions, type IssueDeps } from './issue-code';

/** Body limit of `/new-key-claim` (enfed's optional JSON options; the reference reads no body). */
const MAX_BODY_BYTES = 1024;
/** The reference's hashID: exactly 128 characters of 0-9, a-z (and the comma its pattern lets through). */
const HASH_ID = /^[0-9,a-z]{128}$/;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers':
    'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, Referer, User-Agent',
};

/** A plain-text answer as the reference writes them (text, one newline; errors with nosniff). */
function text(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('cache-control', 'no-store');
  ctx.body = `${body}\n`;
}

/**
 * `POST /new-key-claim` and `POST /new-key-claim/{hashID}` (docs/one-time-codes.md): a case worker's system,
 * authenticated by a bearer token bound to a region, gets a one-time code as plain text. Never logs codes,
 * tokens or hashed IDs.
 */
export function addNewKeyClaimRoutes(
  router: Router,
  deps: IssueDeps & { tokens: ClaimTokens; logger: Logger; metrics: CodesMetrics },
): void {
  const preflight = (ctx: Context) => {
    ctx.set(CORS_HEADERS);
    ctx.status = 200;
    ctx.body = '';
  };
  router.options('/new-key-claim', preflight);
  router.options('/new-key-claim/:hashID', preflight);

  const issue = async (ctx: Context, hashId: string | undefined) => {
    try {
      if (hashId !== undefined && !HASH_ID.test(hashId)) return text(ctx, 404, '404 page not found');
      const region = deps.tokens.regionFor(ctx.get('authorization') || undefined);
      if (region === undefined) {
        deps.metrics.issued('unauthorized');
        return text(ctx, 401, 'unauthorized');
      }
      const body = await readBody(ctx.req, MAX_BODY_BYTES);
      const options = parseCodeOptions(body.toString('utf8'), deps.now());
      const issued = await issueCode(deps, { region, ...options, hashId });
      if (issued === 'hash_id_claimed') {
        deps.metrics.issued('forbidden');
        return text(ctx, 403, 'forbidden');
      }
      deps.metrics.issued('issued');
      ctx.set('access-control-allow-origin', '*');
      text(ctx, 200, issued.code);
    } catch (err) {
      const pub = reportError(deps.logger, err, { route: 'new-key-claim' });
      deps.metrics.issued(pub.code);
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      if (err instanceof AppError && pub.http < 500) return text(ctx, pub.http, pub.message);
      text(ctx, pub.http, pub.http === 503 ? 'service unavailable' : 'server error');
    }
  };
  router.post('/new-key-claim', (ctx) => issue(ctx, undefined));
  router.post('/new-key-claim/:hashID', (ctx) => issue(ctx, String(ctx.params.hashID)));
}
