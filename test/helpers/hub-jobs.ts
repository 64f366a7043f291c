import { UNSEALED } from '../../core/secrets/secret-sealer';
import type pg from 'pg';
import { exportRepositories } from '../../core/export/batches/export-repositories';
import type { CommonConfig } from '../../core/config/common.config';
import { FileBlobStore } from '../../core/blob-store/file-blob-store';
import type { ExportConfig } from '../../core/export/export.config';
import { runExportWorker, type ExportWorkerResult } from '../../core/export/batches/run-export-worker';
import { scheduleBatches } from '../../core/export/batches/schedule-batches';
import type { FederationInConfig } from '../../hub/sources/federation/federation-in.config';
import { KeyPool } from '../../hub/pool/key-pool';
import type { PullDeps } from '../../hub/sources/federation/pull-upstream';
import { pullDeps, type TestClock } from './federation-harness';
import { testLogger } from './test-database';

interface ServerUnderTest<C> {
  config: C;
  db: { pool: pg.Pool };
}

/**
 * One run of the export component's two jobs, as their schedules would run them, with the server's own
 * settings: create the batches of closed windows, then build every open batch. For tests that step a clock.
 */
export async function runExportJobs(
  server: ServerUnderTest<CommonConfig & ExportConfig>,
  now: () => Date,
): Promise<ExportWorkerResult & { created: number }> {
  const { config } = server;
  const created = await scheduleBatches({
    ...exportRepositories(server.db.pool, UNSEALED),
    logger: testLogger(),
    now: now(),
    truncateWindowSeconds: config.TRUNCATE_WINDOW,
    minWindowAgeSeconds: config.EXPORT_MIN_WINDOW_AGE,
    retentionSeconds: config.RETENTION,
  });
  const built = await runExportWorker({
    ...exportRepositories(server.db.pool, UNSEALED),
    pool: server.db.pool,
    blobs: new FileBlobStore(config.BLOB_DIR),
    logger: testLogger(),
    now,
    leaseSeconds: config.EXPORT_LEASE,
    settings: {
      minRecords: config.EXPORT_FILE_MIN_RECORDS,
      paddingRange: config.EXPORT_FILE_PADDING_RANGE,
      compressionLevel: config.EXPORT_COMPRESSION_LEVEL,
    },
  });
  return { created, ...built };
}

/** Pull dependencies as the hub's federation-in component builds them from its config (close `clients` after). */
export function hubPullDeps(hub: ServerUnderTest<CommonConfig & FederationInConfig>, clock: TestClock): PullDeps {
  const { config } = hub;
  return pullDeps(hub.db.pool, clock, {
    truncateWindowSeconds: config.TRUNCATE_WINDOW,
    pageSize: config.FEDERATION_PULL_PAGE_SIZE,
    deadlineSeconds: config.FEDERATION_PULL_DEADLINE,
    backoffBaseSeconds: config.FEDERATION_BACKOFF_BASE,
    backoffMaxSeconds: config.FEDERATION_BACKOFF_MAX,
    keyPool: new KeyPool({ acceptSelfReport: config.FEDERATION_ACCEPT_SELF_REPORT }),
  });
}
