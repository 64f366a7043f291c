import type { CommonConfig } from '../../../core/config/common.config';
import type { Component } from '../../../core/server/component';
import type { FederationInConfig } from '../federation/federation-in.config';
import { KeyPool } from '../../pool/key-pool';
import type { CovidAlertPullConfig } from './covid-alert-pull.config';
import { covidAlertPullMetrics } from './covid-alert-pull.metrics';
import { COVID_ALERT_QUEUE, CovidAlertSchedules, type CovidAlertJobData } from './covid-alert-schedules';
import { CovidAlertSourceRepository } from './covid-alert-source.repository';
import { pullCovidAlert, type CovidAlertPullDeps } from './pull-covid-alert';

/**
 * The hub's covid-alert-pull (opt-in): one schedule per COVID Shield / COVID Alert source (`covid-alert:<name>`)
 * and a worker running up to COVID_ALERT_PULL_CONCURRENCY pulls of different sources. Pulls of one source are
 * serialized by its advisory lock (a second finds it busy and ends at once); a source in backoff ends at once.
 */
export function covidAlertPullComponent(): Component<CommonConfig & CovidAlertPullConfig & FederationInConfig> {
  return {
    name: 'covid-alert-pull',
    serves: { traffic: false, jobs: true },
    optIn: true,
    async start(ctx) {
      // Retrieve keys are sealed under the server's KEK (core/secrets), like every other secret it keeps.
      const sealer = ctx.sealer;
      const deps: CovidAlertPullDeps = {
        db: ctx.db.pool,
        keyPool: new KeyPool({ acceptSelfReport: ctx.config.FEDERATION_ACCEPT_SELF_REPORT }),
        sealer,
        logger: ctx.logger,
        now: ctx.now,
        truncateWindowSeconds: ctx.config.TRUNCATE_WINDOW,
        servedDays: ctx.config.COVID_ALERT_SERVED_DAYS,
        timeoutSeconds: ctx.config.COVID_ALERT_REQUEST_TIMEOUT,
        maxZipBytes: ctx.config.COVID_ALERT_MAX_ZIP_BYTES,
        maxEntryBytes: ctx.config.COVID_ALERT_MAX_ENTRY_BYTES,
        backoffBaseSeconds: ctx.config.COVID_ALERT_BACKOFF_BASE,
        backoffMaxSeconds: ctx.config.COVID_ALERT_BACKOFF_MAX,
      };
      const aborts = new AbortController();
      ctx.lifecycle.onStop('covid-alert pulls', () => aborts.abort());
      const record = covidAlertPullMetrics(ctx.metrics).record;
      const queue = ctx.jobs.queue<CovidAlertJobData>(
        COVID_ALERT_QUEUE,
        ctx.logger,
        async (data) => {
          const outcome = await pullCovidAlert(deps, data.sourceId, { signal: aborts.signal });
          record(outcome);
          return outcome.status;
        },
        { concurrency: ctx.config.COVID_ALERT_PULL_CONCURRENCY },
      );
      const schedules = new CovidAlertSchedules(queue, new CovidAlertSourceRepository(ctx.db.pool, sealer));
      const sources = await schedules.sync();
      await ctx.jobs.scheduled('covid-alert-sync', ctx.config.COVID_ALERT_SYNC_INTERVAL, ctx.logger, () =>
        schedules.sync(),
      );
      ctx.logger.info({ sources }, 'covid-alert-pull scheduled');
    },
  };
}
