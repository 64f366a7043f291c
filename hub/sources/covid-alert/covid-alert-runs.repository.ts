import type pg from 'pg';

/** Counters of one pull of a COVID Alert source; each ingested day adds to them in its own transaction. */
export interface CovidAlertRunCounts {
  /** Days whose file was ingested (changed since the last pull). */
  days: number;
  received: number;
  inserted: number;
  duplicates: number;
  invalid: number;
  revised: number;
}

export const ZERO_RUN_COUNTS: CovidAlertRunCounts = {
  days: 0,
  received: 0,
  inserted: 0,
  duplicates: 0,
  invalid: 0,
  revised: 0,
};

/** One pull as the operator sees it. */
export interface CovidAlertRun extends CovidAlertRunCounts {
  id: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

const DURATION = `greatest(0, (extract(epoch from ($2::timestamptz - started_at)) * 1000)::int)`;

/** covid_alert_runs: one row per pull, the source's counterpart of federation_in_runs. */
export class CovidAlertRunsRepository {
  constructor(private readonly db: pg.Pool | pg.ClientBase) {}

  async start(sourceId: number, at: Date): Promise<number> {
    const result = await this.db.query<{ id: number }>(
      'insert into covid_alert_runs (source_id, started_at) values ($1, $2) returning id',
      [sourceId, at],
    );
    return (result.rows[0] as { id: number }).id;
  }

  /** Adds one ingested day's counts; inside that day's transaction. */
  async addDay(tx: pg.ClientBase, runId: number, c: Omit<CovidAlertRunCounts, 'days'>): Promise<void> {
    await tx.query(
      `update covid_alert_runs set days = days + 1, received = received + $2, inserted = inserted + $3,
         duplicates = duplicates + $4, invalid = invalid + $5, revised = revised + $6 where id = $1`,
      [runId, c.received, c.inserted, c.duplicates, c.invalid, c.revised],
    );
  }

  /** Message of a run whose process stopped before it finished. */
  static readonly ABANDONED = 'abandoned: the process running this pull stopped before it finished';

  /** Closes runs left open by a dead process; call it holding the source's lock. */
  async closeAbandoned(sourceId: number, at: Date): Promise<number> {
    const result = await this.db.query(
      `update covid_alert_runs set finished_at = $2, error = $3, duration_ms = ${DURATION}
        where source_id = $1 and finished_at is null`,
      [sourceId, at, CovidAlertRunsRepository.ABANDONED],
    );
    return result.rowCount ?? 0;
  }

  /** Closes a run; `error` is a safe summary (status code, code word, day number), never key material. */
  async finish(runId: number, at: Date, error: string | null): Promise<void> {
    await this.db.query(
      `update covid_alert_runs set finished_at = $2, error = $3, duration_ms = ${DURATION} where id = $1`,
      [runId, at, error],
    );
  }

  /** The latest finished run of every source, by source id. */
  async latest(): Promise<Map<number, CovidAlertRun>> {
    const result = await this.db.query<
      {
        source_id: number;
        id: number;
        started_at: Date;
        finished_at: Date | null;
        error: string | null;
      } & CovidAlertRunCounts
    >(
      `select distinct on (source_id) source_id, id, started_at, finished_at, error, days, received, inserted,
              duplicates, invalid, revised
         from covid_alert_runs where finished_at is not null order by source_id, started_at desc, id desc`,
    );
    return new Map(
      result.rows.map((r) => [
        r.source_id,
        {
          id: r.id,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          error: r.error,
          days: r.days,
          received: r.received,
          inserted: r.inserted,
          duplicates: r.duplicates,
          invalid: r.invalid,
          revised: r.revised,
        },
      ]),
    );
  }
}
