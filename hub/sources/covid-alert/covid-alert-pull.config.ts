import { configSection, type ConfigOf } from '../../../core/config/config-section';
import { duration, integer } from '../../../core/config/env';

/** Environment of the hub's covid-alert-pull component (pulling COVID Shield / COVID Alert retrieve APIs). */
export const covidAlertPullConfig = configSection({
  /** Pulls of different sources that may run at once. */
  COVID_ALERT_PULL_CONCURRENCY: integer(2, 1, 16),
  /** Days before today asked for; the reference serves today and the 14 days before it. */
  COVID_ALERT_SERVED_DAYS: integer(14, 1, 30),
  /** Bound of one retrieve request, connect to last byte: a stalled server fails the run within this. */
  COVID_ALERT_REQUEST_TIMEOUT: duration(60),
  /** Cap of one answer (the zip), in bytes; the reference's export importer caps a zip at 20 MiB. */
  COVID_ALERT_MAX_ZIP_BYTES: integer(20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** Cap of each inflated entry (export.bin, export.sig), in bytes: a zip bomb stops here. */
  COVID_ALERT_MAX_ENTRY_BYTES: integer(64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** First retry delay after a failed pull; doubles per consecutive failure up to COVID_ALERT_BACKOFF_MAX. */
  COVID_ALERT_BACKOFF_BASE: duration(60),
  COVID_ALERT_BACKOFF_MAX: duration(3600),
  /** How often the schedules are reconciled with covid_alert_sources (sources added or removed). */
  COVID_ALERT_SYNC_INTERVAL: duration(30),
});

export type CovidAlertPullConfig = ConfigOf<typeof covidAlertPullConfig>;
