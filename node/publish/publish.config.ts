import { configRule, configSection, type ConfigOf } from '../../core/config/config-section';
import type { CommonConfig } from '../../core/config/common.config';
import { duration, flag, integer } from '../../core/config/env';
import { KEY_LIMITS } from '../../core/keys/key-limits';

/**
 * Environment variables of the publish component (docs/publish-api.md, "Settings"). Merged into the
 * node's env shape; every value is validated at start-up with the rest of the node's settings.
 */
export const publishConfig = configSection(
  {
    /** Most keys one publish may carry (default 30). */
    MAX_KEYS_ON_PUBLISH: integer(KEY_LIMITS.MAX_KEYS_ON_PUBLISH, 1, 1000),
    /** Most keys sharing one rollingStartNumber (default 3). */
    MAX_SAME_START_INTERVAL_KEYS: integer(KEY_LIMITS.MAX_SAME_START_INTERVAL_KEYS, 1, 100),
    /** Keys that expired longer ago than this many days are dropped (default 15). */
    MAX_INTERVAL_AGE_ON_PUBLISH_DAYS: integer(KEY_LIMITS.MAX_INTERVAL_AGE_ON_PUBLISH_DAYS, 1, 60),
    /** Keys whose |days since onset| exceeds this are dropped (default 14). */
    MAX_SYMPTOM_ONSET_DAYS: integer(KEY_LIMITS.MAX_SYMPTOM_ONSET_DAYS, 0, 60),
    /** Largest accepted request body in bytes (default 64,000). */
    PUBLISH_MAX_BODY_BYTES: integer(64_000, 1_000, 10_000_000),
    /** Clock skew tolerated on a certificate's exp, iat and nbf (ours: 60 s). */
    CERTIFICATE_LEEWAY: duration(60),
    /** How long authorized apps, health-authority keys and revision keys are cached in memory. */
    PUBLISH_CACHE_TTL: duration(30),
    /** A new revision-token key is created when the newest is older than this (default 7 d). */
    REVISION_KEY_ROTATION_PERIOD: duration(7 * 86400),
    /** Revision-token keys older than this are destroyed (default 15 d); must exceed the rotation period. */
    REVISION_KEY_RETENTION: duration(15 * 86400),
    /** How often the rotation job checks the keys. */
    REVISION_KEY_CHECK_INTERVAL: duration(3600),
    /** Answer every publish with 429 `maintenance` (ours), e.g. during a database migration. */
    PUBLISH_MAINTENANCE_MODE: flag(false),
  },
  [
    configRule<{ REVISION_KEY_RETENTION: number; REVISION_KEY_ROTATION_PERIOD: number }>(
      ['REVISION_KEY_RETENTION', 'REVISION_KEY_ROTATION_PERIOD'],
      (c) =>
        c.REVISION_KEY_RETENTION <= c.REVISION_KEY_ROTATION_PERIOD
          ? 'REVISION_KEY_RETENTION: must be longer than REVISION_KEY_ROTATION_PERIOD'
          : undefined,
    ),
  ],
);

/** The publish settings, as parsed (a node config satisfies this). */
export type PublishConfig = ConfigOf<typeof publishConfig> & Pick<CommonConfig, 'TRUNCATE_WINDOW'>;
