import type { CommonConfig } from '../config/common.config';
import { configRule, configSection, type ConfigOf } from '../config/config-section';
import { duration, flag } from '../config/env';

/** The floor below which keys may not be deleted in production (docs/publish-api.md: never below 10 days). */
export const MIN_RETENTION_SECONDS = 10 * 86400;

/** Environment of the cleanup component, and the retention floor. */
export const retentionConfig = configSection(
  {
    /** How often cleanup runs. */
    CLEANUP_INTERVAL: duration(3600),
    /** Test-only: allows RETENTION below the 10-day floor (compressed-time tests and demos). */
    ALLOW_SHORT_RETENTION: flag(false),
  },
  [
    configRule<{ RETENTION: number; ALLOW_SHORT_RETENTION: boolean }>(['RETENTION', 'ALLOW_SHORT_RETENTION'], (c) =>
      c.RETENTION < MIN_RETENTION_SECONDS && !c.ALLOW_SHORT_RETENTION
        ? `RETENTION: must be at least 10d (got ${c.RETENTION}s); set ALLOW_SHORT_RETENTION=true only for tests`
        : undefined,
    ),
  ],
);

export type RetentionConfig = ConfigOf<typeof retentionConfig> & Pick<CommonConfig, 'RETENTION'>;
