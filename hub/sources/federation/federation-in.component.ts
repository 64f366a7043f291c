import type { CommonConfig } from '../../../core/config/common.config';
import { startScheduledJob } from '../../../core/jobs/scheduled-worker';
import type { Component } from '../../../core/server/component';
import type { FederationInConfig } from './federation-in.config';
import { KeyPool } from '../../pool/key-pool';
import { pullMetrics } from './pull.metrics';
import { PullScheduler } from './pull-scheduler';
import type { PullDeps } from './pull-upstream';
import { UpstreamClients } from './upstream-clients';

/**
 * The hub's federation-in: one BullMQ job scheduler per upstream (`pull:<name>`) and the worker that pulls.
 * Upstreams added or removed with `enfed admin upstream` are picked up by a reconciling job every
 * FEDERATION_SYNC_INTERVAL, without a restart.
 */
export function federationInComponent(): Component<CommonConfig & FederationInConfig> {
  return {
    name: 'federation-in',
    async start(ctx) {
      const clients = new UpstreamClients();
      ctx.lifecycle.onStop('federation-in clients', () => clients.close());
      const deps: PullDeps = {
        db: ctx.db.pool,
        keyPool: new KeyPool({ acceptSelfReport: ctx.config.FEDERATION_ACCEPT_SELF_REPORT }),
        clients,
        logger: ctx.logger,
        now: ctx.now,
        truncateWindowSeconds: ctx.config.TRUNCATE_WINDOW,
        pageSize: ctx.config.FEDERATION_PULL_PAGE_SIZE,
        deadlineSeconds: ctx.config.FEDERATION_PULL_DEADLINE,
        backoffBaseSeconds: ctx.config.FEDERATION_BACKOFF_BASE,
        backoffMaxSeconds: ctx.config.FEDERATION_BACKOFF_MAX,
      };
      const scheduler = new PullScheduler(deps, {
        connection: ctx.redis,
        prefix: ctx.config.REDIS_PREFIX,
        concurrency: ctx.config.FEDERATION_PULL_CONCURRENCY,
        logger: ctx.logger,
        onOutcome: pullMetrics(ctx.metrics).record,
      });
      ctx.lifecycle.onStop('federation-in pulls', () => scheduler.close());
      const upstreams = await scheduler.sync();
      const sync = await startScheduledJob({
        name: 'federation-in-sync',
        prefix: ctx.config.REDIS_PREFIX,
        connection: ctx.redis,
        metrics: ctx.metrics,
        everySeconds: ctx.config.FEDERATION_SYNC_INTERVAL,
        logger: ctx.logger,
        handler: () => scheduler.sync(),
      });
      ctx.lifecycle.onStop('federation-in sync', () => sync.close());
      ctx.logger.info({ upstreams }, 'federation-in scheduled');
    },
  };
}
