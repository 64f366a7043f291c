import type pg from 'pg';

/** Counters of one pull; every page adds to them in its own transaction. */
export interface RunCounts {
  pages: number;
  received: number;
  inserted: number;
  duplicates: number;
  invalid: number;
  revised: number;
}

export const ZERO_COUNTS: RunCounts = { pages: 0, received: 0, inserted: 0, duplicates: 0, invalid: 0, revised: 0 };

/** federation_in_runs: one row per pull, for the operator's view of every upstream. */
export class PullRunRepository {
  /** A pool, or the pull's own session (a pull holds one connection for all its work). */
  constructor(private readonly pool: pg.Pool | pg.ClientBase) {}

  async start(queryId: number, startedAt: Date): Promise<number> {
    const result = await this.pool.query<{ id: number }>(
      'insert into federation_in_runs (query_id, started_at) values ($1, $2) returning id',
      [queryId, startedAt],
    );
    return (result.rows[0] as { id: number }).id;
  }

  /** Adds one page's counts; runs inside the page's transaction, so a crash never over- or under-counts. */
  async addPage(client: pg.ClientBase, runId: number, page: Omit<RunCounts, 'pages'>): Promise<void> {
    await client.query(
      `update federation_in_runs set pages = pages + 1, received = received + $2, inserted = inserted + $3,
         duplicates = duplicates + $4, invalid = invalid + $5, revised = revised + $6 where id = $1`,
      [runId, page.received, page.inserted, page.duplicates, page.invalid, page.revised],
    );
  }

  /** Message of a run whose process stopped before it finished (killed, crashed, cut off). */
  static readonly ABANDONED = 'abandoned: the process running this pull stopped before it finished';

  /**
   * Closes the runs of `queryId` still open, which only a dead process can leave: call it holding the query's
   * lock. Their pages stay committed; the next run resumes from the last committed cursor.
   */
  async closeAbandoned(queryId: number, at: Date): Promise<number> {
    const result = await this.pool.query(
      `update federation_in_runs set finished_at = $2, error = $3,
         duration_ms = greatest(0, (extract(epoch from ($2::timestamptz - started_at)) * 1000)::int)
       where query_id = $1 and finished_at is null`,
      [queryId, at, PullRunRepository.ABANDONED],
    );
    return result.rowCount ?? 0;
  }

  /** Closes a run; `error` is a safe summary (status code and code word), never key material. */
  async finish(runId: number, finishedAt: Date, error: string | null): Promise<void> {
    await this.pool.query(
      `update federation_in_runs set finished_at = $2, error = $3,
         duration_ms = greatest(0, (extract(epoch from ($2::timestamptz - started_at)) * 1000)::int) where id = $1`,
      [runId, finishedAt, error],
    );
  }
}
