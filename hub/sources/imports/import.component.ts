import type { CommonConfig } from '../../../core/config/common.config';
import type { Component } from '../../../core/server/component';
import { KeyPool } from '../../pool/key-pool';
import type { ImportConfig } from './import.config';
import { importMetrics } from './import.metrics';
import { IMPORT_QUEUE, ImportSchedules, type ImportJobData } from './import-schedules';
import { ImportRepository } from './imports.repository';
import { runImport, type ImportDeps } from './run-import';

/**
 * The hub's imports of other servers' signed export files (docs/imports.md): one queue with one schedule per
 * import (`import:<name>`) and its worker, running up to IMPORT_CONCURRENCY imports at once. Runs of one import
 * are serialized by its advisory lock (a second one finds it busy and ends at once). Imports added or removed with
 * `enfed admin import` are picked up every IMPORT_SYNC_INTERVAL, without a restart.
 */
export function importComponent(): Component<CommonConfig & ImportConfig> {
  return {
    name: 'import',
    serves: { traffic: false, jobs: true },
    async start(ctx) {
      const c = ctx.config;
      const deps: ImportDeps = {
        db: ctx.db.pool,
        keyPool: new KeyPool({ acceptSelfReport: c.IMPORT_ACCEPT_SELF_REPORT }),
        logger: ctx.logger,
        now: ctx.now,
        truncateWindowSeconds: c.TRUNCATE_WINDOW,
        pageSize: c.IMPORT_PAGE_SIZE,
        indexMaxBytes: c.IMPORT_INDEX_MAX_BYTES,
        limits: { maxBytes: c.IMPORT_FILE_MAX_BYTES, maxInflatedBytes: c.IMPORT_FILE_MAX_INFLATED_BYTES },
        downloadTimeoutSeconds: c.IMPORT_DOWNLOAD_TIMEOUT,
        backoffBaseSeconds: c.IMPORT_BACKOFF_BASE,
        backoffMaxSeconds: c.IMPORT_BACKOFF_MAX,
      };
      // Shutdown stops runs at their next file boundary (files already stored stay); the queue closes after.
      const aborts = new AbortController();
      ctx.lifecycle.onStop('import runs', () => aborts.abort());
      const record = importMetrics(ctx.metrics).record;
      const queue = ctx.jobs.queue<ImportJobData>(
        IMPORT_QUEUE,
        ctx.logger,
        async (data) => {
          const outcome = await runImport(deps, data.importId, { signal: aborts.signal });
          record(outcome);
          return outcome.status;
        },
        { concurrency: c.IMPORT_CONCURRENCY },
      );
      const schedules = new ImportSchedules(queue, new ImportRepository(ctx.db.pool));
      const imports = await schedules.sync();
      await ctx.jobs.scheduled('import-sync', c.IMPORT_SYNC_INTERVAL, ctx.logger, () => schedules.sync());
      ctx.logger.info({ imports }, 'imports scheduled');
    },
  };
}
