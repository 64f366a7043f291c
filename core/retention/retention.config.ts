import { ConfigError, duration, flag } from '../config/env';

/** Environment of the cleanup component. */
export const retentionEnvShape = {
  /** How often cleanup runs. */
  CLEANUP_INTERVAL: duration(3600),
  /** Test-only: allows RETENTION below the 10-day floor (compressed-time tests and demos). */
  ALLOW_SHORT_RETENTION: flag(false),
};

export interface RetentionConfig {
  RETENTION: number;
  CLEANUP_INTERVAL: number;
  ALLOW_SHORT_RETENTION: boolean;
}

/** The floor below which keys may not be deleted in production (spec: never below 10 days). */
export const MIN_RETENTION_SECONDS = 10 * 86400;

/** Refuses a retention below the floor unless ALLOW_SHORT_RETENTION=true. */
export function checkRetention(config: RetentionConfig): void {
  if (config.RETENTION < MIN_RETENTION_SECONDS && !config.ALLOW_SHORT_RETENTION) {
    throw new ConfigError([
      `RETENTION: must be at least 10d (got ${config.RETENTION}s); set ALLOW_SHORT_RETENTION=true only for tests`,
    ]);
  }
}
