import { configRule, configSection, type ConfigOf } from '../../../core/config/config-section';
import { duration, flag, integer } from '../../../core/config/env';

/** Environment of the hub's federation-in component (pulling upstreams). */
export const federationInConfig = configSection(
  {
    /** Pulls of different upstreams that may run at once (a slow or dead upstream holds one slot, never all). */
    FEDERATION_PULL_CONCURRENCY: integer(4, 1, 64),
    /**
     * maxExposureKeys asked per Fetch; each upstream caps it with its own FEDERATION_MAX_PAGE_SIZE. Up to three
     * pages are in hand during a pull; at 5,000 a 1 M-key pull peaked lower (242 MB against 249–257 MB) and was
     * no slower than at 10,000 (bench:federation, alternated runs).
     */
    FEDERATION_PULL_PAGE_SIZE: integer(5_000, 1, 100_000),
    /** Deadline of one Fetch call (connect included): a black-holed upstream fails within this. */
    FEDERATION_PULL_DEADLINE: duration(30),
    /** First retry delay after a failed pull; doubles per consecutive failure up to FEDERATION_BACKOFF_MAX. */
    FEDERATION_BACKOFF_BASE: duration(30),
    FEDERATION_BACKOFF_MAX: duration(3600),
    /** How often the pull schedules are reconciled with federation_in_queries (upstreams added or removed). */
    FEDERATION_SYNC_INTERVAL: duration(30),
    /** Accept SELF_REPORT keys from upstreams (docs/federation.md: off unless configured). */
    FEDERATION_ACCEPT_SELF_REPORT: flag(false),
  },
  [
    // Each running pull holds one connection for its whole duration (its lock session); leave room for
    // federation-out, export and the status page, or they would starve while pulls run.
    configRule<{ FEDERATION_PULL_CONCURRENCY: number; DATABASE_POOL_SIZE: number }>(
      ['FEDERATION_PULL_CONCURRENCY', 'DATABASE_POOL_SIZE'],
      (c) =>
        c.FEDERATION_PULL_CONCURRENCY > c.DATABASE_POOL_SIZE - 2
          ? `FEDERATION_PULL_CONCURRENCY: at most DATABASE_POOL_SIZE − 2 (${c.DATABASE_POOL_SIZE - 2}); raise DATABASE_POOL_SIZE or lower it`
          : undefined,
    ),
  ],
);

export type FederationInConfig = ConfigOf<typeof federationInConfig>;
