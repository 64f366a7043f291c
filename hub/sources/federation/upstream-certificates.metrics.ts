import type { Logger } from '../../../core/logging/logger';
import type { Metrics } from '../../../core/metrics/metrics';
import { scrapeLoad } from '../../../core/metrics/scrape-load';
import { certificateExpiry } from '../../../core/tls/certificate-expiry';
import type { UpstreamQueryRepository } from './upstream-query.repository';

/**
 * `enfed_federation_upstream_certificate_expiry_timestamp_seconds{upstream}`: when the hub's client certificate
 * for each upstream that uses one expires (read from its file at scrape time). An unreadable file leaves that upstream out and is
 * logged; the pulls themselves report it too.
 */
export function declareUpstreamCertificateGauge(
  metrics: Metrics,
  upstreams: UpstreamQueryRepository,
  logger: Logger,
): void {
  const load = scrapeLoad('upstream certificate', logger, async () => {
    const expiries: { upstream: string; at: number }[] = [];
    for (const u of await upstreams.list()) {
      // Token upstreams (OIDC) present no client certificate.
      if (u.clientCertPath === null) continue;
      try {
        expiries.push({ upstream: u.name, at: await certificateExpiry(u.clientCertPath) });
      } catch (err) {
        logger.warn({ upstream: u.name, err: (err as Error).message }, 'upstream client certificate unreadable');
      }
    }
    return expiries;
  });
  metrics.gauge(
    'enfed_federation_upstream_certificate_expiry_timestamp_seconds',
    "When the hub's client certificate for this upstream stops being valid.",
    ['upstream'],
    async (gauge) => {
      const rows = await load();
      gauge.reset();
      for (const row of rows ?? []) gauge.set({ upstream: row.upstream }, row.at);
    },
  );
}
