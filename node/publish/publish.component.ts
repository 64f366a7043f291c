import type { CommonConfig } from '../../core/config/common.config';
import { openPool } from '../../core/db/database';
import type { RateLimitConfig } from '../../core/http/rate-limit/rate-limit.config';
import type { Component } from '../../core/server/component';
import { limitRoutes } from '../codes/client-rate-limit';
import { loadSecretMac } from '../codes/code-services';
import { writePublishResponse } from './http/publish-response';
import { addPublishRoutes } from './publish.routes';
import { publishMetrics } from './publish.metrics';
import type { PublishConfig } from './publish.config';
import type { PublishSettings } from './publish';
import { RevisionKeyRing } from './revision/revision-key-ring';
import { RevisionKeyRepository } from './revision/revision-key.repository';
import { REVISION_KEY_ROTATION_JOB, revisionKeyRotation } from './revision/revision-key-rotation.job';
import { PUBLISH_STORE_SESSION, PublishKeysRepository } from './storage/publish-keys.repository';
import { TrustStore } from './verification/trust-store';
import { AuthorizedAppRepository } from './apps/authorized-app.repository';
import { HealthAuthorityRepository } from './authorities/health-authority.repository';
import type { JwksConfig } from './jwks/jwks.config';
import type { StatsConfig } from './stats/stats.config';
import { StatsRepository } from './stats/stats.repository';
import { addStatsRoutes } from './stats/stats.routes';
import { JwksKeysRepository } from './jwks/jwks-keys.repository';
import { JWKS_REFRESH_JOB, jwksRefresh } from './jwks/jwks-refresh.job';

/** The queue (and schedule) name of the job deleting old publish stats. */
const STATS_CLEANUP_JOB = 'stats-cleanup';

/** The publish settings derived from config. */
export function publishSettings(config: PublishConfig): PublishSettings {
  return {
    requestLimits: { maxKeys: config.MAX_KEYS_ON_PUBLISH, maxSameStartKeys: config.MAX_SAME_START_INTERVAL_KEYS },
    keyLimits: {
      maxIntervalAgeDays: config.MAX_INTERVAL_AGE_ON_PUBLISH_DAYS,
      maxSymptomOnsetDays: config.MAX_SYMPTOM_ONSET_DAYS,
    },
    truncateWindowSeconds: config.TRUNCATE_WINDOW,
    leewaySeconds: config.CERTIFICATE_LEEWAY,
    maintenance: config.PUBLISH_MAINTENANCE_MODE,
  };
}

/**
 * The node's publish component: `POST /v1/publish`, `POST /v1/stats`, the revision-token key rotation job and the JWKS
 * refresher of health authority keys. It makes
 * sure a revision key exists before the route takes traffic.
 */
export function publishComponent<
  C extends CommonConfig & PublishConfig & JwksConfig & StatsConfig & RateLimitConfig,
>(): Component<C> {
  return {
    name: 'publish',
    serves: { traffic: true, jobs: true },
    async start(ctx) {
      const { config } = ctx;
      const revisionKeys = new RevisionKeyRepository(ctx.db.pool, ctx.sealer);
      const rotate = () =>
        revisionKeys.rotate(ctx.now(), config.REVISION_KEY_ROTATION_PERIOD, config.REVISION_KEY_RETENTION);
      await rotate();
      await ctx.jobs.scheduled(
        REVISION_KEY_ROTATION_JOB,
        config.REVISION_KEY_CHECK_INTERVAL,
        ctx.logger,
        revisionKeyRotation({
          keys: revisionKeys,
          logger: ctx.logger,
          now: ctx.now,
          rotationSeconds: config.REVISION_KEY_ROTATION_PERIOD,
          retentionSeconds: config.REVISION_KEY_RETENTION,
        }),
      );

      await ctx.jobs.scheduled(
        JWKS_REFRESH_JOB,
        config.JWKS_REFRESH_INTERVAL,
        ctx.logger,
        jwksRefresh({
          repository: new JwksKeysRepository(ctx.db.pool),
          logger: ctx.logger,
          metrics: ctx.metrics,
          now: ctx.now,
          limits: { timeoutMs: config.JWKS_REQUEST_TIMEOUT * 1000, maxBytes: config.JWKS_MAX_BYTES },
          cleanupTtlSeconds: config.JWKS_KEY_CLEANUP_TTL,
          maxWorkers: config.JWKS_MAX_WORKERS,
        }),
      );

      const ttlMs = config.PUBLISH_CACHE_TTL * 1000;
      const trust = new TrustStore(
        {
          apps: () => new AuthorizedAppRepository(ctx.db.orm.em.fork()),
          authorities: () => new HealthAuthorityRepository(ctx.db.orm.em.fork()),
        },
        ttlMs,
        ctx.logger,
      );
      const stats = new StatsRepository(ctx.db.pool);
      await ctx.jobs.scheduled(STATS_CLEANUP_JOB, 3600, ctx.logger, async () => {
        const deleted = await stats.deleteBefore(new Date(ctx.now().getTime() - config.STATS_RETENTION * 1000));
        if (deleted > 0) ctx.logger.info({ deleted }, 'old publish stats deleted');
        return { deleted };
      });
      addStatsRoutes(ctx.router, {
        stats,
        trust,
        now: ctx.now,
        logger: ctx.logger,
        settings: {
          dayThreshold: config.STATS_UPLOAD_MINIMUM,
          embargoSeconds: config.STATS_EMBARGO_PERIOD,
          audience: config.STATS_AUDIENCE,
          leewaySeconds: config.CERTIFICATE_LEEWAY,
        },
      });
      // Per-client limit, keyed by the same server MAC as the failed-claim counter; fails open without Redis.
      await limitRoutes(ctx, () => loadSecretMac(ctx.db.pool, ctx.sealer), {
        group: 'publish',
        paths: ['/v1/publish'],
        respond: (http, body) => writePublishResponse(http, 429, { ...body, warnings: [] }),
      });
      // The publish store has its own pool, whose sessions let PostgreSQL keep one plan per statement (see
      // PUBLISH_STORE_SESSION); the bulk pool's other users keep planning with their real parameters.
      const storePool = openPool(config.DATABASE_URL, ctx.logger, {
        max: config.DATABASE_POOL_SIZE,
        settings: PUBLISH_STORE_SESSION,
      });
      ctx.lifecycle.onStop('publish store pool', () => storePool.end());
      addPublishRoutes(
        ctx.router,
        {
          keys: new PublishKeysRepository(storePool),
          trust,
          revisionKeys: new RevisionKeyRing(revisionKeys, ttlMs, rotate),
          now: ctx.now,
          settings: publishSettings(config),
        },
        { maxBodyBytes: config.PUBLISH_MAX_BODY_BYTES, logger: ctx.logger, metrics: publishMetrics(ctx.metrics) },
      );
    },
  };
}
