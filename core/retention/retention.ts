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
 * never names a file that is gone. Zips past the cutoff that no row names (a run that failed half-way) are
 * swept the same way, so a failure never leaves expired keys downloadable.
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
  const orphans = await sweepOrphans(deps, cutoff);
  const filesDeleted = expired.length + orphans;

  if (keysDeleted > 0 || filesDeleted > 0) {
    deps.logger.info({ keysDeleted, filesDeleted, orphans, cutoff: cutoff.toISOString() }, 'retention enforced');
  }
  return { keysDeleted, filesDeleted };
}

/** `<root>/<start>-<end>-<NNNNN>.zip` directly in the root: the window end in seconds, else undefined. */
function zipWindowEnd(name: string, root: string): number | undefined {
  if (!name.startsWith(`${root}/`)) return undefined;
  const match = /^(\d+)-(\d+)-\d{5}\.zip$/.exec(name.slice(root.length + 1));
  return match ? Number(match[2]) : undefined;
}

/**
 * Deletes zips past the cutoff that no export_files row names any more: what an earlier run left when it failed
 * between deleting the rows and deleting the blobs (an object store unreachable for a moment). Files of a batch
 * being built are left to it. Their index is rewritten first, so it never names a file that is gone. Returns how
 * many were deleted.
 */
async function sweepOrphans(deps: RetentionDeps, cutoff: Date): Promise<number> {
  const cutoffSeconds = Math.floor(cutoff.getTime() / 1000);
  let deleted = 0;
  for (const config of await deps.repository.configRoots()) {
    const stale = (await deps.blobs.list(`${config.root}/`)).filter((name) => {
      const end = zipWindowEnd(name, config.root);
      return end !== undefined && end <= cutoffSeconds;
    });
    if (stale.length === 0) continue;
    const recorded = await deps.repository.recordedFiles(stale);
    // A batch being built has written files it has not recorded yet; its rows come (and go) when it completes.
    const building = await deps.repository.windowsBeingBuilt(config.id);
    const orphans = stale.filter((name) => !recorded.has(name) && !building.has(zipWindowEnd(name, config.root)!));
    if (orphans.length === 0) continue;
    await rewriteIndex(deps.pool, deps.blobs, config);
    for (const name of orphans) await deps.blobs.delete(name);
    deleted += orphans.length;
  }
  return deleted;
}
