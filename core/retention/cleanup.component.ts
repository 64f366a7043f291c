import type pg from 'pg';
import type { BlobStoreConfig } from '../blob-store/blob-store.config';
import { createBlobStore } from '../blob-store/create-blob-store';
import type { CommonConfig } from '../config/common.config';
import type { Component } from '../server/component';
import { enforceRetention } from './retention';
import type { RetentionConfig } from './retention.config';
import { RetentionRepository } from './retention.repository';

/** More rows a role keeps only for the retention period (the hub's run history); returns how many it deleted. */
export interface RetentionTask {
  name: string;
  run(pool: pg.Pool, cutoff: Date, batchSize: number): Promise<number>;
}

/**
 * Scheduled retention (BullMQ): old keys, old export files and their index entries, then the role's own
 * `tasks` with the same cutoff.
 */
export function cleanupComponent<C extends CommonConfig & RetentionConfig & BlobStoreConfig>(
  tasks: readonly RetentionTask[] = [],
): Component<C> {
  return {
    name: 'cleanup',
    serves: { traffic: false, jobs: true },
    async start(ctx) {
      const { config } = ctx;
      const blobs = createBlobStore(config);
      ctx.lifecycle.onStop('cleanup blob store', () => blobs.close());
      await blobs.check();
      const repository = new RetentionRepository(ctx.db.pool);
      await ctx.jobs.scheduled('cleanup', config.CLEANUP_INTERVAL, ctx.logger, async () => {
        const now = ctx.now();
        const result = await enforceRetention({
          repository,
          pool: ctx.db.pool,
          blobs,
          logger: ctx.logger,
          now,
          retentionSeconds: config.RETENTION,
        });
        const cutoff = new Date(now.getTime() - config.RETENTION * 1000);
        for (const task of tasks) {
          const deleted = await task.run(ctx.db.pool, cutoff, 10_000);
          if (deleted > 0) ctx.logger.info({ task: task.name, deleted }, 'retention enforced');
        }
        return result;
      });
    },
  };
}
