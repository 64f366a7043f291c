import { z } from 'zod';
import { configRule, configSection, type ConfigOf } from '../../core/config/config-section';
import { duration, integer } from '../../core/config/env';

/** The app-metrics component (docs/app-metrics.md). */
export const appMetricsConfig = configSection(
  {
    /** Raw uploads are deleted this long after arrival (default and most: 24h, as the reference). */
    APP_METRICS_RAW_RETENTION: duration(86_400),
    /** How often expired raw uploads are deleted (default 10 min). */
    APP_METRICS_CLEANUP_INTERVAL: duration(600),
    /** Largest accepted body in bytes (default 64 KiB). */
    APP_METRICS_MAX_BODY_BYTES: integer(65_536, 1_024, 1_000_000),
    /** When set, uploads must carry it in `x-api-key` (as the reference's API gateway asks). */
    APP_METRICS_API_KEY: z.string().optional(),
  },
  [
    configRule<{ APP_METRICS_RAW_RETENTION: number }>(['APP_METRICS_RAW_RETENTION'], (c) =>
      c.APP_METRICS_RAW_RETENTION > 86_400 ? 'APP_METRICS_RAW_RETENTION: at most 24h' : undefined,
    ),
  ],
);

/** The app-metrics settings, as parsed. */
export type AppMetricsConfig = ConfigOf<typeof appMetricsConfig>;
