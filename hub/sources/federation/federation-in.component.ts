import type { CommonConfig } from '../../../core/config/common.config';
import type { Component } from '../../../core/server/component';
import { KeyPool } from '../../pool/key-pool';
import type { FederationInConfig } from './federation-in.config';
import { pullMetrics } from './pull.metrics';
import { declareUpstreamCertificateGauge } from './upstream-certificates.metrics';
import { PULL_QUEUE, PullSchedules, type PullJobData } from './pull-schedules';
import { pullUpstream, type PullDeps } from './pull-upstream';
import { UpstreamClients } from './upstream-clients';
import { UpstreamQueryRepository } from './upstream-query.repository';

/**
 * The hub's federation-in: the pull queue with one schedule per upstream (`pull:<name>`) and its worker, which
 * runs up to FEDERATION_PULL_CONCURRENCY pulls of different upstreams at once. Pulls of one upstream are
 * serialized by its advisory lock (a second one finds it busy and ends at once), and an upstream in backoff ends
 * at once too, so a dead upstream costs the others at most one slot for one call deadline. Upstreams added or
 * removed with `enfed admin upstream` are picked up every FEDERATION_SYNC_INTERVAL, without a restart.
 */
export function federationInComponent(): Component<CommonConfig & FederationInConfig> {
  return {
    name: 'federation-in',
    serves: { traffic: false, jobs: true },
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
      // Shutdown stops pulls in flight at their next page boundary (committed pages stay); the queue closes after.
      const aborts = new AbortController();
      ctx.lifecycle.onStop('federation-in pulls', () => aborts.abort());
      const record = pullMetrics(ctx.metrics).record;
      const queue = ctx.jobs.queue<PullJobData>(
        PULL_QUEUE,
        ctx.logger,
        async (data) => {
          const outcome = await pullUpstream(deps, data.queryId, { signal: aborts.signal });
          record(outcome);
          return outcome.status;
        },
        { concurrency: ctx.config.FEDERATION_PULL_CONCURRENCY },
      );
      const upstreamQueries = new UpstreamQueryRepository(ctx.db.pool);
      declareUpstreamCertificateGauge(ctx.metrics, upstreamQueries, ctx.logger);
      const schedules = new PullSchedules(queue, upstreamQueries, clients);
      const upstreams = await schedules.sync();
      await ctx.jobs.scheduled('federation-in-sync', ctx.config.FEDERATION_SYNC_INTERVAL, ctx.logger, () =>
        schedules.sync(),
      );
      ctx.logger.info({ upstreams }, 'federation-in scheduled');
    },
  };
}
