import { timingSafeEqual, createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { reportError } from '../../core/errors/report-error';
import { PayloadTooLargeError, readBody } from '../../core/http/read-body';
import type { Logger } from '../../core/logging/logger';
import type { Metrics } from '../../core/metrics/metrics';
import type { AppMetricsRepository } from './app-metrics.repository';
import { metricsUpload } from './metrics-payload';

export interface SaveMetricsDeps {
  repository: AppMetricsRepository;
  now: () => Date;
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes: number;
  apiKey: string | undefined;
}

function answer(ctx: Context, status: number, state: string): void {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  ctx.body = { status: state };
}

/** Compares digests, so neither the length nor the content of the key leaks through timing. */
function sameKey(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `POST /save-metrics` (docs/app-metrics.md): a COVID Alert app's metrics upload, answered as the reference
 * (`{"status": "RECORD CREATED"}`). The body is validated whole; nothing about the caller (address, user agent)
 * is read or kept.
 */
export function addSaveMetricsRoutes(router: Router, deps: SaveMetricsDeps): void {
  const uploads = deps.metrics.counter('enfed_app_metrics_uploads_total', 'COVID Alert metrics uploads, by outcome.', [
    'outcome',
  ]);
  const events = deps.metrics.counter('enfed_app_metrics_events_total', 'COVID Alert metric events counted.');
  router.post('/save-metrics', async (ctx) => {
    if (deps.apiKey !== undefined && !sameKey(ctx.get('x-api-key'), deps.apiKey)) {
      uploads.inc({ outcome: 'unauthorized' });
      return answer(ctx, 401, 'UNAUTHORIZED');
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(ctx.req, deps.maxBodyBytes)).toString('utf8'));
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        ctx.set('connection', 'close');
        uploads.inc({ outcome: 'too_large' });
        return answer(ctx, 413, 'PAYLOAD TOO LARGE');
      }
      uploads.inc({ outcome: 'invalid' });
      return answer(ctx, 400, 'INVALID PAYLOAD');
    }
    const parsed = metricsUpload.safeParse(body);
    if (!parsed.success) {
      uploads.inc({ outcome: 'invalid' });
      deps.logger.debug({ issues: parsed.error.issues.length }, 'metrics upload refused');
      return answer(ctx, 400, 'INVALID PAYLOAD');
    }
    try {
      events.inc(await deps.repository.save(parsed.data, deps.now()));
      uploads.inc({ outcome: 'ok' });
      return answer(ctx, 200, 'RECORD CREATED');
    } catch (err) {
      const pub = reportError(deps.logger, err, { route: 'save-metrics' });
      uploads.inc({ outcome: 'failed' });
      return answer(ctx, pub.http, 'UPLOAD FAILED');
    }
  });
}
