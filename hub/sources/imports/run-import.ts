import type pg from 'pg';
import { inClientTransaction } from '../../../core/db/transaction';
import { AppError } from '../../../core/errors/app-error';
import { truncate } from '../../../core/keys/intervals';
import type { Logger } from '../../../core/logging/logger';
import type { KeyOrigin } from '../../pool/key-origin';
import type { KeyPool } from '../../pool/key-pool';
import { nextAttemptAt } from '../backoff';
import { boundedDownload } from './bounded-download';
import { fileUrl, parseExportIndex } from './export-index';
import { describeImportFailure } from './import-errors';
import { ImportFileRepository, type ImportFile } from './import-files.repository';
import { ImportPublicKeyRepository } from './import-public-keys.repository';
import { ImportRunRepository, ZERO_IMPORT_COUNTS, type ImportRunCounts } from './import-run.repository';
import { ImportRepository, type ExportImport } from './imports.repository';
import { storeExportFile, type FileLimits } from './store-export-file';

/** What a run needs; built once by the component (tests and the benchmark build it around a pool). */
export interface ImportDeps {
  db: pg.Pool;
  keyPool: KeyPool;
  logger: Logger;
  now: () => Date;
  truncateWindowSeconds: number;
  pageSize: number;
  indexMaxBytes: number;
  limits: FileLimits;
  downloadTimeoutSeconds: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

export type ImportOutcome =
  | { status: 'done' | 'failed'; name: string; runId: number; counts: ImportRunCounts; error: string | null }
  | { status: 'busy' | 'gone' | 'disabled' | 'backing-off' };

export interface ImportOptions {
  /** Stops the run at the next file boundary (shutdown). */
  signal?: AbortSignal;
  /** Run even while the import is backing off (operator "run now", tests). */
  ignoreBackoff?: boolean;
  /** Called inside a file's transaction after its keys are stored, before commit (tests simulating a crash). */
  beforeCommit?: (tx: pg.ClientBase, file: ImportFile) => Promise<void>;
}

/**
 * Runs one import (docs/imports.md): reads the remote index, records new names in the ledger, marks files that
 * left the index failed for good, and imports every file due, in index order. Holds the import's advisory lock
 * for the whole run (one connection), so two runs of one import never overlap. Each file's keys, its ledger row
 * turning done and the run's counters commit in one transaction: a crash mid-file leaves the file not done and
 * nothing of it stored, and the next run imports it again. A bad file is recorded failed with its reason and a
 * retry time; the other files go on.
 */
export async function runImport(
  deps: ImportDeps,
  importId: number,
  options: ImportOptions = {},
): Promise<ImportOutcome> {
  const imports = new ImportRepository(deps.db);
  const session = await deps.db.connect();
  // A session that dies mid-run (database restart, killed backend) must not take the process down; it is
  // destroyed on release, which also drops its advisory lock.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  session.on('error', onError);
  try {
    if (!(await imports.tryLock(session, importId))) return { status: 'busy' };
    try {
      const imp = await imports.get(importId, session);
      if (!imp) return { status: 'gone' };
      if (!imp.enabled) return { status: 'disabled' };
      if (!options.ignoreBackoff && imp.nextAttemptAt && imp.nextAttemptAt > deps.now()) {
        return { status: 'backing-off' };
      }
      return await run(deps, session, imp, options);
    } finally {
      await imports.unlock(session, importId).catch((err: Error) => {
        broken ??= err;
      });
    }
  } finally {
    session.off('error', onError);
    session.release(broken);
  }
}

async function run(deps: ImportDeps, session: pg.PoolClient, imp: ExportImport, options: ImportOptions) {
  const imports = new ImportRepository(session);
  const runs = new ImportRunRepository(session);
  const ledger = new ImportFileRepository(session);
  const abandoned = await runs.closeAbandoned(imp.id, deps.now());
  const runId = await runs.start(imp.id, deps.now());
  const log = deps.logger.child({ import: imp.name, runId });
  if (abandoned > 0) log.warn({ abandoned }, 'closed import runs left open by a process that stopped');
  const counts: ImportRunCounts = { ...ZERO_IMPORT_COUNTS };

  let names: string[];
  try {
    const index = await boundedDownload(
      new URL(imp.indexUrl),
      { maxBytes: deps.indexMaxBytes, timeoutMs: deps.downloadTimeoutSeconds * 1000 },
      'index.txt',
    );
    names = parseExportIndex(index.body, index.contentType);
  } catch (err) {
    // The index is unreadable: nothing is imported; the whole import backs off.
    const error = describeImportFailure(err);
    const now = deps.now();
    await inClientTransaction(session, async () => {
      await imports.recordFailure(session, imp.id, (f) =>
        nextAttemptAt(now, f, deps.backoffBaseSeconds, deps.backoffMaxSeconds),
      );
      await runs.finish(runId, now, error);
    });
    log.warn({ error }, 'import index unreadable; will retry with backoff');
    return { status: 'failed' as const, name: imp.name, runId, counts, error };
  }

  await ledger.addPending(imp.id, names);
  const gone = await ledger.failGone(imp.id, names, deps.now());
  if (gone > 0) log.warn({ gone }, 'files left the remote index before they were imported');
  const due = await ledger.due(imp.id, names, deps.now());
  const keys = await new ImportPublicKeyRepository(session).listFor(imp.id);
  const failures: string[] = [];
  for (const file of due) {
    if (options.signal?.aborted) {
      failures.push('stopped: the hub is shutting down');
      break;
    }
    await ledger.startAttempt(file.id);
    const now = deps.now();
    const origin: KeyOrigin = {
      arrivedAt: truncate(now, deps.truncateWindowSeconds),
      localProvenance: false,
      originQueryId: null,
      originImportId: imp.id,
    };
    try {
      const stored = await storeExportFile(
        {
          session,
          keyPool: deps.keyPool,
          url: fileUrl(imp.exportRootUrl, file.fileName),
          file,
          imp,
          keys,
          origin,
          now,
          pageSize: deps.pageSize,
          limits: deps.limits,
          downloadTimeoutMs: deps.downloadTimeoutSeconds * 1000,
        },
        async (tx, c) => {
          await ledger.markDone(tx, file.id, c.received, c.inserted, now);
          await runs.addFile(tx, runId, c);
          await options.beforeCommit?.(tx, file);
        },
      );
      counts.files += 1;
      counts.received += stored.received;
      counts.inserted += stored.inserted;
      counts.duplicates += stored.duplicates;
      counts.invalid += stored.invalid;
      counts.revised += stored.revised;
    } catch (err) {
      const error = describeImportFailure(err);
      const retryAt = nextAttemptAt(deps.now(), file.attempts + 1, deps.backoffBaseSeconds, deps.backoffMaxSeconds);
      await ledger.markFailed(file.id, error, retryAt, deps.now());
      await runs.addFailedFile(runId);
      counts.failedFiles += 1;
      failures.push(error);
      if (!(err instanceof AppError)) log.error({ file: file.fileName, err: (err as Error)?.message }, 'import failed');
      else log.warn({ file: file.fileName, error, retryAt }, 'import file failed; will retry with backoff');
    }
  }
  const error = failures.length === 0 ? null : summarize(failures);
  await inClientTransaction(session, async () => {
    await imports.recordSuccess(session, imp.id);
    await runs.finish(runId, deps.now(), error);
  });
  log.info({ ...counts }, 'import run done');
  return { status: error ? ('failed' as const) : ('done' as const), name: imp.name, runId, counts, error };
}

/** The run's error: the first failure and how many more. */
function summarize(failures: string[]): string {
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failed files)` : '';
  return `${failures[0]}${more}`.slice(0, 500);
}
