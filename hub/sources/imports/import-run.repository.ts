import type pg from 'pg';

/** Counters of one import run; every file adds to them in its own transaction. */
export interface ImportRunCounts {
  files: number;
  failedFiles: number;
  received: number;
  inserted: number;
  duplicates: number;
  invalid: number;
  revised: number;
}

export const ZERO_IMPORT_COUNTS: ImportRunCounts = {
  files: 0,
  failedFiles: 0,
  received: 0,
  inserted: 0,
  duplicates: 0,
  invalid: 0,
  revised: 0,
};

/** `import_runs`: one row per run of an import, for the status page (as federation_in_runs for pulls). */
export class ImportRunRepository {
  constructor(private readonly client: pg.Pool | pg.ClientBase) {}

  /** Message of a run whose process stopped before it finished. */
  static readonly ABANDONED = 'abandoned: the process running this import stopped before it finished';

  async start(importId: number, startedAt: Date): Promise<number> {
    const result = await this.client.query<{ id: number }>(
      'insert into import_runs (import_id, started_at) values ($1, $2) returning id',
      [importId, startedAt],
    );
    return (result.rows[0] as { id: number }).id;
  }

  /** Adds one imported file's counts; inside the file's transaction, so counts never drift from the pool. */
  async addFile(tx: pg.ClientBase, runId: number, c: Omit<ImportRunCounts, 'files' | 'failedFiles'>): Promise<void> {
    await tx.query(
      `update import_runs set files = files + 1, received = received + $2, inserted = inserted + $3,
         duplicates = duplicates + $4, invalid = invalid + $5, revised = revised + $6 where id = $1`,
      [runId, c.received, c.inserted, c.duplicates, c.invalid, c.revised],
    );
  }

  async addFailedFile(runId: number): Promise<void> {
    await this.client.query('update import_runs set failed_files = failed_files + 1 where id = $1', [runId]);
  }

  /** Closes runs of `importId` still open, which only a dead process can leave; call holding the import's lock. */
  async closeAbandoned(importId: number, at: Date): Promise<number> {
    const result = await this.client.query(
      `update import_runs set finished_at = $2, error = $3,
         duration_ms = greatest(0, (extract(epoch from ($2::timestamptz - started_at)) * 1000)::int)
       where import_id = $1 and finished_at is null`,
      [importId, at, ImportRunRepository.ABANDONED],
    );
    return result.rowCount ?? 0;
  }

  /** Closes a run; `error` is a safe summary (code words and file names), never key material. */
  async finish(runId: number, finishedAt: Date, error: string | null): Promise<void> {
    await this.client.query(
      `update import_runs set finished_at = $2, error = $3,
         duration_ms = greatest(0, (extract(epoch from ($2::timestamptz - started_at)) * 1000)::int) where id = $1`,
      [runId, finishedAt, error],
    );
  }
}
