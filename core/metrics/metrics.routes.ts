import type Router from '@koa/router';
import type { Metrics } from './metrics';

/**
 * `GET /metrics`: Prometheus text for this server. Like `/healthz`, it is meant for the operator's network:
 * put it behind the reverse proxy's allow-list in production.
 */
export function addMetricsRoute(router: Router, metrics: Metrics): void {
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });
}
