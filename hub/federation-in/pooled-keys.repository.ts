import type pg from 'pg';
import { checkRevision, REPORT_TYPES } from '../../core/keys/report-type';
import type { KeyColumns } from './incoming-keys';

/** "from>to" pairs of every allowed revision, from the one table in core/keys/report-type.ts. */
const ALLOWED_REVISIONS: string[] = REPORT_TYPES.flatMap((from) =>
  REPORT_TYPES.filter((to) => checkRevision(from, to) === 'allowed').map((to) => `${from}>${to}`),
);

const IS_ALLOWED_REVISION = `(coalesce(e.revised_report_type, e.report_type) || '>' || excluded.report_type) = any($13::text[])`;

/**
 * One statement per list: insert new keys; for keys already pooled (from any upstream) merge regions and the
 * traveler flag and apply an allowed revision; leave every other row untouched (no dead tuples for repeats).
 * `before` reads the same snapshot as the insert, so it tells which conflicts were revisions.
 */
const MERGE_SQL = `
  with incoming as (
    select * from unnest($1::bytea[], $2::int[], $3::int[], $4::int[], $5::text[], $6::bool[], $7::text[], $8::int[])
      as t(key, tr, inum, icount, regions_csv, traveler, report_type, dso)
  ),
  before as (
    select e.key, coalesce(e.revised_report_type, e.report_type) as effective
    from exposure_keys e join incoming i on i.key = e.key
  ),
  up as (
    insert into exposure_keys as e (key, transmission_risk, interval_number, interval_count, regions, traveler,
      report_type, days_since_onset, created_at, local_provenance, origin_query_id)
    select key, tr, inum, icount, string_to_array(regions_csv, ','), traveler, report_type, dso, $9, $10, $11
    from incoming
    on conflict (key) do update set
      regions = array(select distinct r from unnest(e.regions || excluded.regions) as r order by r),
      traveler = e.traveler or excluded.traveler,
      revised_report_type = case when ${IS_ALLOWED_REVISION} then excluded.report_type else e.revised_report_type end,
      revised_at = case when ${IS_ALLOWED_REVISION} then $12 else e.revised_at end,
      revised_days_since_onset = case when ${IS_ALLOWED_REVISION} then excluded.days_since_onset
                                      else e.revised_days_since_onset end,
      revised_transmission_risk = case when ${IS_ALLOWED_REVISION} then excluded.transmission_risk
                                       else e.revised_transmission_risk end
    where not (excluded.regions <@ e.regions) or (excluded.traveler and not e.traveler) or ${IS_ALLOWED_REVISION}
    returning e.key, (xmax = 0) as inserted
  )
  select count(*) filter (where up.inserted)::int as inserted,
         count(*) filter (where not up.inserted and (b.effective || '>' || i.report_type) = any($13::text[]))::int
           as revised
  from up left join before b on b.key = up.key join incoming i on i.key = up.key`;

/** Where the keys of one page came from and when they arrived (already truncated). */
export interface PageOrigin {
  arrivedAt: Date;
  localProvenance: boolean;
  originQueryId: number;
}

/** The hub's pooled exposure_keys, written by federation-in. */
export class PooledKeysRepository {
  /** Merges one list of keys inside the caller's transaction; returns what happened. */
  async merge(
    client: pg.ClientBase,
    columns: KeyColumns,
    origin: PageOrigin,
  ): Promise<{ inserted: number; revised: number; duplicates: number }> {
    const total = columns.keys.length;
    if (total === 0) return { inserted: 0, revised: 0, duplicates: 0 };
    const result = await client.query<{ inserted: number; revised: number }>(MERGE_SQL, [
      columns.keys,
      columns.transmissionRisks,
      columns.intervalNumbers,
      columns.intervalCounts,
      columns.regions,
      columns.travelers,
      columns.reportTypes,
      columns.daysSinceOnset,
      origin.arrivedAt,
      origin.localProvenance,
      origin.originQueryId,
      origin.arrivedAt,
      ALLOWED_REVISIONS,
    ]);
    const row = result.rows[0] ?? { inserted: 0, revised: 0 };
    return { inserted: row.inserted, revised: row.revised, duplicates: total - row.inserted - row.revised };
  }
}
