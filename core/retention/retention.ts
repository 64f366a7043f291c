import type pg from 'pg';
import type { FileBlobStore } from '../blob-store/file-blob-store';
import { rewriteIndex } from '../export/serve/export-index';
import type { Logger } from '../logging/logger';

export interface RetentionDeps {
  pool: pg.Pool;
  blobs: FileBlobStore;
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
    const result = await deps.pool.query(
      `delete from exposure_keys where key in (select key from exposure_keys where created_at < $1 limit $2)`,
      [cutoff, batchSize],
    );
    keysDeleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchSize) break;
  }

  const expired = await deps.pool.query<{ filename: string; configId: number; root: string }>(
    `delete from export_files f using export_batches b, export_configs c
     where b.id = f.batch_id and c.id = f.config_id and b.end_at <= $1
     returning f.filename, f.config_id as "configId", c.root`,
    [cutoff],
  );
  const configs = new Map(expired.rows.map((r) => [r.configId, { id: r.configId, root: r.root }]));
  for (const config of configs.values()) await rewriteIndex(deps.pool, deps.blobs, config);
  for (const row of expired.rows) await deps.blobs.delete(row.filename);

  if (keysDeleted > 0 || expired.rows.length > 0) {
    deps.logger.info(
      { keysDeleted, filesDeleted: expired.rows.length, cutoff: cutoff.toISOString() },
      'retention enforced',
    );
  }
  return { keysDeleted, filesDeleted: expired.rows.length };
}
