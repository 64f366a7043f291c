import type { CommonConfig } from '../../core/config/common.config';
import type { Component } from '../../core/server/component';
import type { AppMetricsConfig } from './app-metrics.config';
import { AppMetricsRepository } from './app-metrics.repository';
import { addSaveMetricsRoutes } from './save-metrics.routes';

/** The queue (and schedule) name of the raw-upload cleanup. */
export const APP_METRICS_CLEANUP_JOB = 'app-metrics-cleanup';

/**
 * COVID Alert app metrics (docs/app-metrics.md): `POST /save-metrics`, and the job that deletes raw uploads
 * older than APP_METRICS_RAW_RETENTION (24 h at most). Opt-in: runs when ENFED_COMPONENTS names `app-metrics`.
 */
export function appMetricsComponent<C extends CommonConfig & AppMetricsConfig>(): Component<C> {
  return {
    name: 'app-metrics',
    serves: { traffic: true, jobs: true },
    optIn: true,
    async start(ctx) {
      const { config } = ctx;
      const repository = new AppMetricsRepository(ctx.db.pool);
      addSaveMetricsRoutes(ctx.router, {
        repository,
        now: ctx.now,
        logger: ctx.logger,
        metrics: ctx.metrics,
        maxBodyBytes: config.APP_METRICS_MAX_BODY_BYTES,
        apiKey: config.APP_METRICS_API_KEY,
      });
      await ctx.jobs.scheduled(APP_METRICS_CLEANUP_JOB, config.APP_METRICS_CLEANUP_INTERVAL, ctx.logger, async () => {
        const deleted = await repository.deleteRawBefore(
          new Date(ctx.now().getTime() - config.APP_METRICS_RAW_RETENTION * 1000),
        );
        if (deleted > 0) ctx.logger.info({ deleted }, 'expired raw app metrics deleted');
        return { deleted };
      });
    },
  };
}
