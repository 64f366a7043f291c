import type { BlobStoreConfig } from '../blob-store/blob-store.config';
import { createBlobStore } from '../blob-store/create-blob-store';
import type { CommonConfig } from '../config/common.config';
import type { Component } from '../server/component';
import { enforceRetention } from './retention';
import type { RetentionConfig } from './retention.config';
import { RetentionRepository } from './retention.repository';

/** Scheduled retention (BullMQ): old keys, old export files and their index entries. */
export function cleanupComponent<C extends CommonConfig & RetentionConfig & BlobStoreConfig>(): Component<C> {
  return {
    name: 'cleanup',
    serves: { traffic: false, jobs: true },
    async start(ctx) {
      const { config } = ctx;
      const blobs = createBlobStore(config);
      ctx.lifecycle.onStop('cleanup blob store', () => blobs.close());
      await blobs.check();
      const repository = new RetentionRepository(ctx.db.pool);
      await ctx.jobs.scheduled('cleanup', config.CLEANUP_INTERVAL, ctx.logger, () =>
        enforceRetention({
          repository,
          pool: ctx.db.pool,
          blobs,
          logger: ctx.logger,
          now: ctx.now(),
          retentionSeconds: config.RETENTION,
        }),
      );
    },
  };
}
