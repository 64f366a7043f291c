import { configRule, configSection, type ConfigOf } from '../../../core/config/config-section';
import { duration, integer } from '../../../core/config/env';
import { z } from 'zod';

/** `/v1/stats` (docs/stats.md): when a day is released, and to which audience tokens must be addressed. */
export const statsConfig = configSection(
  {
    /** A day is shown once it has this many publishes (default 10; never less, as the reference). */
    STATS_UPLOAD_MINIMUM: integer(10, 10, 1_000_000),
    /** A smaller day is shown this long after its end (default 48h; 0 never; else at least 48h). */
    STATS_EMBARGO_PERIOD: duration(48 * 3600),
    /** Hourly rows are deleted this long after their UTC day (default 14d, the reference's key retention). */
    STATS_RETENTION: duration(14 * 86400),
    /** The `aud` a stats token must carry; unset: the health authority's own aud (what its certificates name). */
    STATS_AUDIENCE: z.string().optional(),
  },
  [
    configRule<{ STATS_EMBARGO_PERIOD: number }>(['STATS_EMBARGO_PERIOD'], (c) =>
      c.STATS_EMBARGO_PERIOD !== 0 && c.STATS_EMBARGO_PERIOD < 48 * 3600
        ? 'STATS_EMBARGO_PERIOD: must be 0 (never) or at least 48h'
        : undefined,
    ),
  ],
);

/** The stats settings, as parsed. */
export type StatsConfig = ConfigOf<typeof statsConfig>;
