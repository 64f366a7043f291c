import type { Middleware } from 'koa';
import type { Metrics } from './metrics';

/** Label for requests no route matched, so scanners probing random paths add one series, not thousands. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every HTTP request and times it, labelled by method, status and the matched route *pattern*
 * (`/v1/exports/:file`), never the raw URL, whose ids would make one series per request.
 * Installed outermost, so it sees the final status set by the error middleware.
 */
export function httpMetricsMiddleware(metrics: Metrics): Middleware {
  const requests = metrics.counter('enfed_http_requests_total', 'HTTP requests answered, by route and status.', [
    'method',
    'route',
    'status',
  ]);
  const duration = metrics.histogram(
    'enfed_http_request_duration_seconds',
    'Time to answer an HTTP request, by route.',
    ['method', 'route'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // Set by @koa/router once a route matched; read after next() because routing happens downstream.
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = matched === undefined ? UNMATCHED_ROUTE : String(matched);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: ctx.method, route, status: String(ctx.status) });
      duration.observe({ method: ctx.method, route }, seconds);
    }
  };
}
