import type pg from 'pg';
import type { BlobStore } from '../blob-store/blob-store';
import { rewriteIndex } from '../export/serve/export-index';
import type { RetentionRepository } from './retention.repository';
import type { Logger } from '../logging/logger';

export interface RetentionDeps {
  repository: RetentionRepository;
  /** For rewriting the index of a config that lost files. */
  pool: pg.Pool;
  blobs: BlobStore;
  logger: Logger;
  now: Date;
  retentionSeconds: number;
  /** Keys deleted per statement, so a large backlog never holds one long lock. */
  deleteBatchSize?: number;
}

export interface RetentionResult {
  keysDeleted: number;
  filesDeleted: number;
}

/**
 * Enforces retention, and nothing else: deletes keys whose created_at is older than now − RETENTION, and
 * export files whose window ended before that cutoff. File rows go first (in one transaction), then each
 * affected config's index is rewritten without them, and only then are the blobs deleted, so index.txt
 * never names a file that is gone.
 */
export async function enforceRetention(deps: RetentionDeps): Promise<RetentionResult> {
  const cutoff = new Date(deps.now.getTime() - deps.retentionSeconds * 1000);
  const batchSize = deps.deleteBatchSize ?? 10_000;
  let keysDeleted = 0;
  for (;;) {
    const deleted = await deps.repository.deleteKeysBefore(cutoff, batchSize);
    keysDeleted += deleted;
    if (deleted < batchSize) break;
  }

  const expired = await deps.repository.deleteFilesEndedBy(cutoff);
  const configs = new Map(expired.map((r) => [r.configId, { id: r.configId, root: r.root }]));
  for (const config of configs.values()) await rewriteIndex(deps.pool, deps.blobs, config);
  for (const row of expired) await deps.blobs.delete(row.filename);

  if (keysDeleted > 0 || expired.length > 0) {
    deps.logger.info({ keysDeleted, filesDeleted: expired.length, cutoff: cutoff.toISOString() }, 'retention enforced');
  }
  return { keysDeleted, filesDeleted: expired.length };
}
