import type pg from 'pg';

// The status page's upstream row shape (hub/status/status.repository.ts, UpstreamRow; `R` here, as the status
// repository imports this file), so the status page, its API and its gauges show COVID Alert sources beside
// the upstreams (kind `covid-alert`, the base URL as address, the pooled region as include list, days as pages).
const SOURCES_SQL = `
  select s.id, s.name, 'covid-alert' as upstream_kind, s.base_url as address, array[s.region] as include_regions,
         '{}'::text[] as exclude_regions, s.interval_seconds, s.consecutive_failures, s.next_attempt_at,
         last.started_at as run_started_at, last.finished_at as run_finished_at, last.days as pages, last.received,
         last.inserted, last.duplicates, last.invalid, last.revised, last.error, last.duration_ms,
         ok.last_success_at, running.started_at as running_since,
         (select count(*)::int from covid_alert_runs r
           where r.source_id = s.id and r.error like 'abandoned:%'
             and r.started_at > now() - interval '24 hours') as abandoned_runs
    from covid_alert_sources s
    left join lateral (
      select r.* from covid_alert_runs r where r.source_id = s.id and r.finished_at is not null
       order by r.started_at desc, r.id desc limit 1
    ) last on true
    left join lateral (
      select r.finished_at as last_success_at from covid_alert_runs r
       where r.source_id = s.id and r.finished_at is not null and r.error is null
       order by r.started_at desc, r.id desc limit 1
    ) ok on true
    left join lateral (
      select r.started_at from covid_alert_runs r
       where r.source_id = s.id and r.finished_at is null
         and r.started_at > coalesce(last.started_at, '-infinity'::timestamptz)
       order by r.started_at desc limit 1
    ) running on true
   where s.enabled
   order by s.name`;

/** Every enabled COVID Alert source as a status row, with its latest finished run and any run in progress. */
export async function covidAlertStatusRows<R extends pg.QueryResultRow>(pool: pg.Pool): Promise<R[]> {
  return (await pool.query<R>(SOURCES_SQL)).rows;
}
