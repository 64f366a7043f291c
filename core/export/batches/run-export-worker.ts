import type pg from 'pg';
import type { Logger } from '../../logging/logger';
import type { Pkcs11Token } from '../../signing/pkcs11-token';
import { loadExportSigningKeys } from '../../signing/signing-keys';
import type { BlobStore } from '../../blob-store/blob-store';
import { buildExportFiles, type ExportBuildSettings } from '../build/export-builder';
import type { ExportRepositories } from './export-repositories';
import { rewriteIndex } from '../serve/export-index';
import { exportBatchSpan } from '../../tracing/export-spans';

export interface ExportWorkerDeps extends ExportRepositories {
  /** For the builder's snapshot of the window's keys and for rewriting index.txt. */
  pool: pg.Pool;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
  leaseSeconds: number;
  settings: ExportBuildSettings;
  /** Where keys kept in an HSM sign (none: every active key must be kept in the database). */
  signingToken?: Pkcs11Token;
}

/** What one worker run did. */
export interface ExportWorkerResult {
  batches: number;
  files: number;
  failed: number;
}

/**
 * Builds batches until none is left to claim: claim (open → processing, with a lease), build the files,
 * then mark complete and record the files in one transaction, then rewrite the config's index. Several
 * workers can run at once on any replicas; `for update skip locked` gives each a different batch and a
 * batch whose worker died is claimed again once its lease expires. A failed build leaves its batch leased,
 * so it is retried after the lease, not in a tight loop.
 */
export async function runExportWorker(
  deps: ExportWorkerDeps,
  maxBatches = Number.POSITIVE_INFINITY,
): Promise<ExportWorkerResult> {
  const { batches, configs } = deps;
  const result: ExportWorkerResult = { batches: 0, files: 0, failed: 0 };
  while (result.batches + result.failed < maxBatches) {
    const signingKeys = await loadExportSigningKeys(deps.signingKeys, deps.now(), deps.signingToken);
    if (signingKeys.length === 0) {
      deps.logger.warn('no active signing key: exports wait (enfed admin signing-key create)');
      break;
    }
    const batch = await batches.claim(deps.leaseSeconds);
    if (!batch) break;
    const log = deps.logger.child({ batchId: batch.id, configId: batch.configId });
    const started = Date.now();
    try {
      const config = await configs.get(batch.configId);
      if (!config) {
        // The config was deleted after the claim (its batches cascade away); nothing to build.
        continue;
      }
      const files = await exportBatchSpan(batch.id, () =>
        buildExportFiles(deps, config, { start: batch.startAt, end: batch.endAt }, signingKeys),
      );
      if (!(await batches.complete(batch, files))) {
        log.warn('lease lost before completion; another worker owns this batch now');
        continue;
      }
      if (files.length > 0) await rewriteIndex(deps.pool, deps.blobs, config);
      result.batches++;
      result.files += files.length;
      log.info(
        {
          files: files.length,
          keys: files.reduce((n, f) => n + f.keyCount, 0),
          revised: files.reduce((n, f) => n + f.revisedCount, 0),
          padding: files.reduce((n, f) => n + f.paddingCount, 0),
          ms: Date.now() - started,
        },
        'export batch complete',
      );
    } catch (err) {
      result.failed++;
      log.error({ err: (err as Error).message }, 'export batch failed; retried when its lease expires');
    }
  }
  return result;
}
