import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { scrapeLoad } from '../metrics/scrape-load';
import type { ExportHealthRepository } from './export-health.repository';

/**
 * Export freshness and signing-key validity as gauges read at scrape time (deploy/prometheus/enfed.rules.yml
 * alerts on them): the end of the last completed batch, the last file written and the period, per config root;
 * and until when each signing key id can sign. Labels: config roots and key ids (a short, operator-chosen set).
 */
export function declareExportGauges(metrics: Metrics, repository: ExportHealthRepository, logger: Logger): void {
  const freshness = scrapeLoad('export', logger, () => repository.freshness());
  const perRoot = (
    name: string,
    help: string,
    value: (row: Awaited<ReturnType<typeof repository.freshness>>[number]) => number | null,
  ) =>
    metrics.gauge(name, help, ['root'], async (gauge) => {
      const rows = await freshness();
      gauge.reset();
      for (const row of rows ?? []) {
        const v = value(row);
        if (v !== null) gauge.set({ root: row.root }, v);
      }
    });
  perRoot(
    'enfed_export_last_batch_end_timestamp_seconds',
    'End of the newest completed export batch of this config (absent before the first).',
    (r) => r.lastBatchEnd,
  );
  perRoot(
    'enfed_export_last_file_timestamp_seconds',
    'When the newest export file of this config was written (absent before the first).',
    (r) => r.lastFile,
  );
  perRoot(
    'enfed_export_period_seconds',
    'Export period of this config (one batch per period).',
    (r) => r.periodSeconds,
  );

  const keys = scrapeLoad('signing key', logger, () => repository.signingKeyValidity());
  metrics.gauge(
    'enfed_signing_key_valid_until_timestamp_seconds',
    'Until when this signing key id has an active version (+Inf: no end set).',
    ['key_id'],
    async (gauge) => {
      const rows = await keys();
      gauge.reset();
      for (const row of rows ?? []) gauge.set({ key_id: row.keyId }, row.validUntil);
    },
  );
}
