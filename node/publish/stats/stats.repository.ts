import type pg from 'pg';

/** One stored hour of an authority's publish statistics. */
export interface StatsHour {
  hour: Date;
  /** [unknown, android, ios] */
  publish: number[];
  teks: number;
  revisions: number;
  oldestTekDays: number[];
  onsetAgeDays: number[];
  missingOnset: number;
}

const num = (v: string | number): number => Number(v);

/** health_authority_stats, read side (the publish path writes it: storage/publish-keys.repository.ts). */
export class StatsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Every hour (each of its shard rows) of the authority before `before`, oldest first. */
  async hours(healthAuthorityId: number, before: Date): Promise<StatsHour[]> {
    const { rows } = await this.pool.query<{
      hour: Date;
      publish: string[];
      teks: string;
      revisions: string;
      oldest_tek_days: string[];
      onset_age_days: string[];
      missing_onset: string;
    }>(
      `select hour, publish, teks, revisions, oldest_tek_days, onset_age_days, missing_onset
         from health_authority_stats where health_authority_id = $1 and hour < $2 order by hour`,
      [healthAuthorityId, before],
    );
    return rows.map((r) => ({
      hour: r.hour,
      publish: r.publish.map(num),
      teks: num(r.teks),
      revisions: num(r.revisions),
      oldestTekDays: r.oldest_tek_days.map(num),
      onsetAgeDays: r.onset_age_days.map(num),
      missingOnset: num(r.missing_onset),
    }));
  }

  /**
   * Deletes hours before the UTC midnight on or before `before`. A day is deleted whole, so a day in an answer never
   * loses some of its hours.
   */
  async deleteBefore(before: Date): Promise<number> {
    const midnight = new Date(Math.floor(before.getTime() / 86_400_000) * 86_400_000);
    return (await this.pool.query('delete from health_authority_stats where hour < $1', [midnight])).rowCount ?? 0;
  }
}
