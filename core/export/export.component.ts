import type { CommonConfig } from '../config/common.config';
import { exportRepositories } from './batches/export-repositories';
import type { Component } from '../server/component';
import type { BlobStoreConfig } from '../blob-store/blob-store.config';
import { createBlobStore } from '../blob-store/create-blob-store';
import type { ExportConfig } from './export.config';
import { ExportHealthRepository } from './export-health.repository';
import { declareExportGauges } from './export.metrics';
import { writeMissingIndexes } from './serve/export-index';
import { addExportRoutes } from './serve/export.routes';
import { runExportWorker } from './batches/run-export-worker';
import { scheduleBatches } from './batches/schedule-batches';

/**
 * The export pipeline of a node or the hub (the hub runs it over its pooled keys, signed with its own
 * keys): a scheduled job that creates batches for closed windows, a worker job that builds them, and the
 * HTTP route serving the blob store (BLOB_STORE: the filesystem, served here, or Azure or S3 behind a CDN). A config's index.txt exists from the start (empty until its first file):
 * written at start-up, and by the scheduled job for configs added later.
 */
export function exportComponent<C extends CommonConfig & ExportConfig & BlobStoreConfig>(): Component<C> {
  return {
    name: 'export',
    serves: { traffic: true, jobs: true },
    async start(ctx) {
      const { config } = ctx;
      const blobs = createBlobStore(config);
      ctx.lifecycle.onStop('export blob store', () => blobs.close());
      // A store that cannot be reached (wrong credentials, missing container or bucket) stops start-up here.
      await blobs.check();
      ctx.logger.info({ store: blobs.kind, location: blobs.location }, 'export files go to the blob store');
      addExportRoutes(ctx.router, blobs, config.BLOB_PUBLIC_URL);
      const repositories = exportRepositories(ctx.db.pool, ctx.sealer);
      declareExportGauges(ctx.metrics, new ExportHealthRepository(ctx.db.pool), ctx.logger);
      await writeMissingIndexes(ctx.db.pool, blobs, await repositories.configs.list());
      const worker = await ctx.jobs.scheduled('export-worker', config.EXPORT_WORKER_INTERVAL, ctx.logger, () =>
        runExportWorker({
          ...repositories,
          pool: ctx.db.pool,
          blobs,
          logger: ctx.logger,
          now: ctx.now,
          signingToken: ctx.signingToken,
          leaseSeconds: config.EXPORT_LEASE,
          settings: {
            minRecords: config.EXPORT_FILE_MIN_RECORDS,
            paddingRange: config.EXPORT_FILE_PADDING_RANGE,
            compressionLevel: config.EXPORT_COMPRESSION_LEVEL,
          },
        }),
      );
      await ctx.jobs.scheduled('export-schedule', config.EXPORT_SCHEDULE_INTERVAL, ctx.logger, async () => {
        await writeMissingIndexes(ctx.db.pool, blobs, await repositories.configs.list());
        const created = await scheduleBatches({
          ...repositories,
          logger: ctx.logger,
          now: ctx.now(),
          truncateWindowSeconds: config.TRUNCATE_WINDOW,
          minWindowAgeSeconds: config.EXPORT_MIN_WINDOW_AGE,
          retentionSeconds: config.RETENTION,
        });
        // New batches are built now rather than at the worker's next tick.
        if (created > 0) await worker.enqueue({});
        return created;
      });
    },
  };
}
