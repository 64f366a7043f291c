import type { Logger } from '../../core/logging/logger';
import type { Metrics } from '../../core/metrics/metrics';
import type { UpstreamStatus } from './hub-status';

/** One scrape reads the upstreams once for all gauges; a later scrape reads them again. */
const SHARE_LOAD_MS = 1000;

/**
 * Upstream health as gauges read at scrape time, so an operator can alert on them, e.g.
 * `enfed_federation_upstream_lag_seconds > 3 * interval` or `enfed_federation_upstream_consecutive_failures > 2`.
 * Label: the upstream's configured name (a short, fixed set).
 */
export function declareUpstreamGauges(
  metrics: Metrics,
  deps: { load: () => Promise<UpstreamStatus[]>; logger: Logger },
): void {
  let shared: { at: number; result: Promise<UpstreamStatus[] | undefined> } | undefined;
  const load = () => {
    const now = Date.now();
    if (!shared || now - shared.at > SHARE_LOAD_MS) {
      // A failed read must not fail the scrape: the process metrics still matter when the database is down.
      const result = deps.load().catch((err: unknown) => {
        deps.logger.warn({ err: (err as Error).message }, 'upstream gauges: could not read upstreams');
        return undefined;
      });
      shared = { at: now, result };
    }
    return shared.result;
  };

  metrics.gauge(
    'enfed_federation_upstream_lag_seconds',
    'Seconds since the last successful pull from this upstream (absent before the first one).',
    ['upstream'],
    async (gauge) => {
      const upstreams = await load();
      gauge.reset();
      for (const u of upstreams ?? []) if (u.lagSeconds !== null) gauge.set({ upstream: u.name }, u.lagSeconds);
    },
  );
  metrics.gauge(
    'enfed_federation_upstream_consecutive_failures',
    'Pulls from this upstream that failed in a row since its last success.',
    ['upstream'],
    async (gauge) => {
      const upstreams = await load();
      gauge.reset();
      for (const u of upstreams ?? []) gauge.set({ upstream: u.name }, u.consecutiveFailures);
    },
  );
}
