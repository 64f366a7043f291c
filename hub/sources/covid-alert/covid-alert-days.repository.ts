import type pg from 'pg';

/** One day of one source in the ledger (covid_alert_days). */
export interface DayEntry {
  day: number;
  state: 'ingested' | 'failed';
  /** sha256 (hex) of the export.bin last ingested; null while the day never succeeded. */
  digest: string | null;
  keys: number;
  inserted: number;
  attempts: number;
  error: string | null;
  pulledAt: Date;
}

interface Row {
  day: number;
  state: 'ingested' | 'failed';
  digest: string | null;
  keys: number;
  inserted: number;
  attempts: number;
  error: string | null;
  pulled_at: Date;
}

/**
 * The per-day ledger of a source. A day's keys and its ledger row commit in one transaction, so a day is either
 * ingested with its digest or not at all; a failure only updates the error, never the digest of what is stored.
 */
export class CovidAlertDaysRepository {
  constructor(private readonly db: pg.ClientBase | pg.Pool) {}

  /** The ledger of `sourceId` for days ≥ `fromDay`, by day. */
  async since(sourceId: number, fromDay: number): Promise<Map<number, DayEntry>> {
    const result = await this.db.query<Row>(
      `select day, state, digest, keys, inserted, attempts, error, pulled_at from covid_alert_days
        where source_id = $1 and day >= $2 order by day`,
      [sourceId, fromDay],
    );
    return new Map(
      result.rows.map((r) => [
        r.day,
        {
          day: r.day,
          state: r.state,
          digest: r.digest,
          keys: r.keys,
          inserted: r.inserted,
          attempts: r.attempts,
          error: r.error,
          pulledAt: r.pulled_at,
        },
      ]),
    );
  }

  /** Records a pulled day: the digest of its file and what the pool did; inside the day's transaction. */
  async ingested(
    tx: pg.ClientBase,
    sourceId: number,
    day: number,
    file: { digest: string; keys: number; inserted: number },
    at: Date,
  ): Promise<void> {
    await tx.query(
      `insert into covid_alert_days (source_id, day, state, digest, keys, inserted, attempts, error, pulled_at)
       values ($1, $2, 'ingested', $3, $4, $5, 1, null, $6)
       on conflict (source_id, day) do update set state = 'ingested', digest = excluded.digest, keys = excluded.keys,
         inserted = covid_alert_days.inserted + excluded.inserted, attempts = covid_alert_days.attempts + 1,
         error = null, pulled_at = excluded.pulled_at`,
      [sourceId, day, file.digest, file.keys, file.inserted, at],
    );
  }

  /** Records a pull whose file was unchanged: only the time (the day may now be final). */
  async unchanged(tx: pg.ClientBase, sourceId: number, day: number, at: Date): Promise<void> {
    await tx.query(
      `update covid_alert_days set pulled_at = $3, error = null, attempts = attempts + 1
        where source_id = $1 and day = $2`,
      [sourceId, day, at],
    );
  }

  /**
   * Records a failed pull of a day. A day ingested before stays ingested (its digest and keys are what the pool
   * holds) and only carries the error; `pulled_at` is left alone, so the day is asked for again.
   */
  async failed(sourceId: number, day: number, error: string, at: Date): Promise<void> {
    await this.db.query(
      `insert into covid_alert_days (source_id, day, state, attempts, error, pulled_at)
       values ($1, $2, 'failed', 1, $3, $4)
       on conflict (source_id, day) do update set attempts = covid_alert_days.attempts + 1, error = excluded.error`,
      [sourceId, day, error, at],
    );
  }
}
