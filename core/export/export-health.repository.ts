import type pg from 'pg';

/** How current one export config's output is (epoch seconds; null before its first batch or file). */
export interface ExportFreshness {
  root: string;
  periodSeconds: number;
  lastBatchEnd: number | null;
  lastFile: number | null;
}

/** Until when a signing key id can still sign (epoch seconds; Infinity when a version has no end). */
export interface SigningKeyValidity {
  keyId: string;
  validUntil: number;
}

/** Reads for the export gauges: a few rows per scrape, from the small config, batch, file and key tables. */
export class ExportHealthRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Configs still exporting (no end, or an end in the future). */
  async freshness(): Promise<ExportFreshness[]> {
    const result = await this.pool.query<ExportFreshness>(
      `select c.root, c.period_seconds as "periodSeconds",
              extract(epoch from (select max(b.end_at) from export_batches b
                                  where b.config_id = c.id and b.status = 'complete'))::float8 as "lastBatchEnd",
              extract(epoch from (select max(f.created_at) from export_files f
                                  where f.config_id = c.id))::float8 as "lastFile"
         from export_configs c
        where c.thru_timestamp is null or c.thru_timestamp > now()
        order by c.root`,
    );
    return result.rows;
  }

  /**
   * For each key id, the end of its last version (a version without `active_until` signs indefinitely). Key ids
   * whose every version ended over a week ago are left out: retired on purpose, not about to expire.
   */
  async signingKeyValidity(): Promise<SigningKeyValidity[]> {
    const result = await this.pool.query<{ keyId: string; validUntil: number | null; open: boolean }>(
      `select key_id as "keyId", extract(epoch from max(active_until))::float8 as "validUntil",
              bool_or(active_until is null) as open
         from signing_keys
        group by key_id
       having bool_or(active_until is null) or max(active_until) > now() - interval '7 days'
        order by key_id`,
    );
    return result.rows.map((r) => ({ keyId: r.keyId, validUntil: r.open ? Infinity : (r.validUntil as number) }));
  }
}
