import type { CommonConfig } from '../config/common.config';
import { RetentionRepository } from './retention.repository';
import { FileBlobStore } from '../blob-store/file-blob-store';
import { startScheduledJob } from '../jobs/scheduled-worker';
import type { Component } from '../server/component';
import { enforceRetention } from './retention';
import type { RetentionConfig } from './retention.config';

/** Scheduled retention (BullMQ): old keys, old export files and their index entries. */
export function cleanupComponent<C extends CommonConfig & RetentionConfig>(): Component<C> {
  return {
    name: 'cleanup',
    async start(ctx) {
      const { config } = ctx;
      const blobs = new FileBlobStore(config.BLOB_DIR);
      const job = await startScheduledJob({
        name: 'cleanup',
        prefix: config.REDIS_PREFIX,
        connection: ctx.redis,
        metrics: ctx.metrics,
        everySeconds: config.CLEANUP_INTERVAL,
        logger: ctx.logger,
        handler: () =>
          enforceRetention({
            repository: new RetentionRepository(ctx.db.pool),
            pool: ctx.db.pool,
            blobs,
            logger: ctx.logger,
            now: ctx.now(),
            retentionSeconds: config.RETENTION,
          }),
      });
      ctx.lifecycle.onStop('cleanup', () => job.close());
    },
  };
}
