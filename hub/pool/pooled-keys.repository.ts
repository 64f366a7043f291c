import type pg from 'pg';
import { checkRevision, REPORT_TYPES } from '../../core/keys/report-type';
import { copyNewKeys } from './copy-in-keys';
import { pickKeyColumns, type KeyColumns } from '../../core/keys/storage/key-columns';
import type { KeyOrigin } from './key-origin';

/** "from>to" pairs of every allowed revision, from the one table in core/keys/report-type.ts. */
const ALLOWED_REVISIONS: string[] = REPORT_TYPES.flatMap((from) =>
  REPORT_TYPES.filter((to) => checkRevision(from, to) === 'allowed').map((to) => `${from}>${to}`),
);

// A key is revised at most once (docs/publish-api.md; the reference refuses a key whose revised_at is set): a second
// revision would also send the key through every partner's revised-keys stream again.
const IS_ALLOWED_REVISION = `(e.revised_at is null and (e.report_type || '>' || excluded.report_type) = any($13::text[]))`;

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
    select e.key, case when e.revised_at is null then e.report_type end as revisable_from
    from exposure_keys e join incoming i on i.key = e.key
  ),
  up as (
    insert into exposure_keys as e (key, transmission_risk, interval_number, interval_count, regions, traveler,
      report_type, days_since_onset, created_at, local_provenance, origin_query_id, origin_import_id)
    select key, tr, inum, icount, string_to_array(regions_csv, ','), traveler, report_type, dso, $9, $10, $11, $14::int
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
         count(*) filter (where not up.inserted and (b.revisable_from || '>' || i.report_type) = any($13::text[]))::int
           as revised
  from up left join before b on b.key = up.key join incoming i on i.key = up.key`;

export interface MergeCounts {
  inserted: number;
  revised: number;
  duplicates: number;
}

/** The hub's pooled exposure_keys, written by every source through the key pool, on the caller's transaction. */
export class PooledKeysRepository {
  constructor(private readonly client: pg.ClientBase) {}

  /**
   * Stores one list of keys inside the caller's transaction; returns what happened. In steady state nearly every
   * key of a primary list is new, so the list is first tried with COPY alone (the fastest path PostgreSQL has);
   * if any key is already pooled the COPY fails on the primary key, and then the new keys go in with COPY and the
   * pooled ones through the merging statement. `expectKnown` (revised lists) skips the optimistic attempt.
   * `copyRows` is the list's COPY text (`encodeCopyRows(columns, origin)`) when the caller built it ahead;
   * `onSent` is called when the optimistic COPY has handed its rows to the connection (see copyNewKeys).
   */
  async merge(
    columns: KeyColumns,
    origin: KeyOrigin,
    expectKnown = false,
    copyRows?: Buffer,
    onSent?: () => void,
  ): Promise<MergeCounts> {
    const none = { inserted: 0, revised: 0, duplicates: 0 };
    if (columns.keys.length === 0) return none;
    if (expectKnown) return this.upsert(columns, origin);
    if (await this.tryCopy(columns, origin, copyRows, onSent)) return { ...none, inserted: columns.keys.length };

    // A join on the unnested list probes the primary key once per key. `key = any($1)` with a page-sized array
    // was planned as a parallel scan of the whole pool (EXPLAIN at 1 M pooled keys: 86–102 ms against 32 ms).
    const found = await this.client.query<{ key: Buffer }>(
      'select e.key from unnest($1::bytea[]) as page(key) join exposure_keys e using (key)',
      [columns.keys],
    );
    const known = new Set(found.rows.map((r) => r.key.toString('hex')));
    const isKnown = (i: number) => known.has((columns.keys[i] as Buffer).toString('hex'));
    const fresh = pickKeyColumns(columns, (i) => !isKnown(i));
    // A second conflict means another pull stored one of these keys meanwhile: merge the whole list instead.
    if (fresh.keys.length > 0 && !(await this.tryCopy(fresh, origin))) return this.upsert(columns, origin);
    const merged = await this.upsert(pickKeyColumns(columns, isKnown), origin);
    return { ...merged, inserted: merged.inserted + fresh.keys.length };
  }

  /** COPY under a savepoint; false (and nothing written) when a key is already stored. */
  private async tryCopy(columns: KeyColumns, origin: KeyOrigin, rows?: Buffer, onSent?: () => void): Promise<boolean> {
    await this.client.query('savepoint copy_new_keys');
    try {
      await copyNewKeys(this.client, columns, origin, rows, onSent);
      await this.client.query('release savepoint copy_new_keys');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await this.client.query('rollback to savepoint copy_new_keys');
      return false;
    }
  }

  /** The merging multi-row statement: inserts what is new, merges and revises what is pooled. */
  async upsert(columns: KeyColumns, origin: KeyOrigin): Promise<MergeCounts> {
    const total = columns.keys.length;
    if (total === 0) return { inserted: 0, revised: 0, duplicates: 0 };
    const result = await this.client.query<{ inserted: number; revised: number }>(MERGE_SQL, [
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
      origin.originImportId ?? null,
    ]);
    const row = result.rows[0] ?? { inserted: 0, revised: 0 };
    return { inserted: row.inserted, revised: row.revised, duplicates: total - row.inserted - row.revised };
  }
}
