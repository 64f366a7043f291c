import type pg from 'pg';
import { covidAlertStatusRows } from '../sources/covid-alert/covid-alert-status.query';
import { loadImportStatus, type ImportStatus } from './import-status';

/** One upstream (federation_in_queries row) with its latest finished run, last success and any run in progress. */
export interface UpstreamRow {
  id: number;
  name: string;
  /** 'node' (one of ours) or 'partner' (another hub), migration 41; 'covid-alert' for a COVID Alert source. */
  upstream_kind: string;
  address: string;
  include_regions: string[];
  exclude_regions: string[];
  interval_seconds: number;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  run_started_at: Date | null;
  run_finished_at: Date | null;
  pages: number | null;
  received: number | null;
  inserted: number | null;
  duplicates: number | null;
  invalid: number | null;
  revised: number | null;
  error: string | null;
  duration_ms: number | null;
  last_success_at: Date | null;
  running_since: Date | null;
  /** Runs of the last 24 h whose process stopped before they finished (closed by the next run). */
  abandoned_runs: number;
}

export interface RegionCountRow {
  region: string;
  keys: number;
}

export interface ExportBatchRow {
  id: number;
  root: string;
  output_region: string;
  start_at: Date;
  end_at: Date;
  status: string;
}

export interface ExportFileRow {
  batch_id: number;
  filename: string;
  file_number: number;
  key_count: number;
  revised_count: number;
  created_at: Date;
}

// A run counts as finished once it has a finish time or an error (a failed run may not record one).
// The laterals use federation_in_runs_query_started (query_id, started_at desc): one index probe each.
const UPSTREAMS_SQL = `
  select q.id, q.name, q.upstream_kind, q.address, q.include_regions, q.exclude_regions, q.interval_seconds,
         q.consecutive_failures, q.next_attempt_at,
         last.started_at as run_started_at, last.finished_at as run_finished_at, last.pages, last.received,
         last.inserted, last.duplicates, last.invalid, last.revised, last.error, last.duration_ms,
         ok.last_success_at, running.started_at as running_since,
         (select count(*)::int from federation_in_runs r
           where r.query_id = q.id and r.error like 'abandoned:%'
             and r.started_at > now() - interval '24 hours') as abandoned_runs
    from federation_in_queries q
    left join lateral (
      select r.* from federation_in_runs r
       where r.query_id = q.id and (r.finished_at is not null or r.error is not null)
       order by r.started_at desc, r.id desc limit 1
    ) last on true
    left join lateral (
      select r.finished_at as last_success_at from federation_in_runs r
       where r.query_id = q.id and r.finished_at is not null and r.error is null
       order by r.started_at desc, r.id desc limit 1
    ) ok on true
    left join lateral (
      select r.started_at from federation_in_runs r
       where r.query_id = q.id and r.finished_at is null and r.error is null
         and r.started_at > coalesce(last.started_at, '-infinity'::timestamptz)
       order by r.started_at desc limit 1
    ) running on true
   order by q.name`;

/** Read-only queries behind the hub's operator status page and API (plain SQL on the bulk pool). */
export class StatusRepository {
  constructor(private readonly pool: pg.Pool) {}

  async upstreams(): Promise<UpstreamRow[]> {
    const [federation, covidAlert] = await Promise.all([
      this.pool.query<UpstreamRow>(UPSTREAMS_SQL),
      covidAlertStatusRows<UpstreamRow>(this.pool),
    ]);
    return [...federation.rows, ...covidAlert];
  }

  async imports(): Promise<ImportStatus[]> {
    return loadImportStatus(this.pool);
  }

  /**
   * Pooled keys per region (a key listed under several regions counts in each). A full scan of the
   * keys table: fine for an operator page over 14 days of keys, not for a hot path.
   */
  async keysByRegion(): Promise<{ total: number; byRegion: RegionCountRow[] }> {
    const [regions, total] = await Promise.all([
      this.pool.query<RegionCountRow>(
        `select region, count(*)::int as keys
           from exposure_keys cross join lateral unnest(regions) as region
          group by region order by region`,
      ),
      this.pool.query<{ total: number }>('select count(*)::int as total from exposure_keys'),
    ]);
    return { total: total.rows[0]?.total ?? 0, byRegion: regions.rows };
  }

  /** The most recent export batches of every config, newest window first. */
  async latestBatches(limit: number): Promise<ExportBatchRow[]> {
    const result = await this.pool.query<ExportBatchRow>(
      `select b.id, c.root, c.output_region, b.start_at, b.end_at, b.status
         from export_batches b join export_configs c on c.id = b.config_id
        order by b.end_at desc, b.id desc limit $1`,
      [limit],
    );
    return result.rows;
  }

  /** The files written for the given batches, newest batch first, in file order. */
  async filesOfBatches(batchIds: number[]): Promise<ExportFileRow[]> {
    if (batchIds.length === 0) return [];
    const result = await this.pool.query<ExportFileRow>(
      `select f.batch_id, f.filename, f.file_number, f.key_count, f.revised_count, f.created_at
         from export_files f
        where f.batch_id = any($1::int[])
        order by f.batch_id desc, f.file_number`,
      [batchIds],
    );
    return result.rows;
  }
}
