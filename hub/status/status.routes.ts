import type Router from '@koa/router';
import type { HubStatus } from './hub-status';
import { renderStatusPage } from './status.page';

/** The page may use its inline style and nothing else: no script, no external asset, no framing. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /status/api` (JSON, dates as ISO 8601) and `GET /status` (the same, as a page for people).
 * Both are operator views: expose them only on the operator's network.
 */
export function addStatusRoutes(router: Router, deps: { load: () => Promise<HubStatus> }): void {
  router.get('/status/api', async (ctx) => {
    const status = await deps.load();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = status;
  });
  router.get('/status', async (ctx) => {
    const status = await deps.load();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderStatusPage(status);
  });
}
