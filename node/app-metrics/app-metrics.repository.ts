import type pg from 'pg';
import { inTransaction } from '../../core/db/transaction';
import { dimensionsOf, type MetricDimensions } from './metric-buckets';
import type { MetricsUpload } from './metrics-payload';

/** The dimension columns, in the order of MetricDimensions' fields below. */
const DIMENSIONS: readonly (keyof MetricDimensions)[] = [
  'day',
  'region',
  'identifier',
  'appOs',
  'osVersion',
  'appVersion',
  'countBucket',
  'durationBucket',
  'pushNotification',
  'frameworkEnabled',
  'state',
  'isUserExposed',
];
const COLUMNS = [
  'day',
  'region',
  'identifier',
  'app_os',
  'os_version',
  'app_version',
  'count_bucket',
  'duration_bucket',
  'push_notification',
  'framework_enabled',
  'state',
  'is_user_exposed',
];

/** One row of a day's export. */
export type DailyMetric = MetricDimensions & { metricCount: number };

/** app_metrics_raw and app_metrics_daily. */
export class AppMetricsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Keeps the raw upload (deleted after at most 24 h by the cleanup job) and adds its events to the daily
   * counters, in one transaction: one insert and one multi-row upsert, whatever the number of events.
   */
  async save(upload: MetricsUpload, now: Date): Promise<number> {
    const counts = new Map<string, { dims: MetricDimensions; n: number }>();
    for (const event of upload.payload) {
      const dims = dimensionsOf(upload, event);
      const id = JSON.stringify(DIMENSIONS.map((d) => dims[d]));
      const hit = counts.get(id);
      if (hit) hit.n++;
      else counts.set(id, { dims, n: 1 });
    }
    const groups = [...counts.values()];
    return inTransaction(this.pool, async (client) => {
      await client.query('insert into app_metrics_raw (received_at, payload) values ($1, $2)', [
        now,
        JSON.stringify(upload),
      ]);
      const columns = DIMENSIONS.map((d) => groups.map((g) => g.dims[d]));
      const n = DIMENSIONS.length;
      await client.query(
        `insert into app_metrics_daily (${COLUMNS.join(', ')}, metric_count)
         select u.c1::date, ${COLUMNS.slice(1)
           .map((_, i) => `u.c${i + 2}`)
           .join(', ')}, u.n
           from unnest(${DIMENSIONS.map((_, i) => `$${i + 1}::text[]`).join(', ')}, $${n + 1}::bigint[])
             as u(${DIMENSIONS.map((_, i) => `c${i + 1}`).join(', ')}, n)
         on conflict (${COLUMNS.join(', ')}) do update
           set metric_count = app_metrics_daily.metric_count + excluded.metric_count`,
        [...columns, groups.map((g) => g.n)],
      );
      return upload.payload.length;
    });
  }

  /** Deletes raw uploads received before `before`; returns how many. */
  async deleteRawBefore(before: Date): Promise<number> {
    return (await this.pool.query('delete from app_metrics_raw where received_at < $1', [before])).rowCount ?? 0;
  }

  /** Every counter of `day` (YYYY-MM-DD), in a stable order. */
  async day(day: string): Promise<DailyMetric[]> {
    const { rows } = await this.pool.query<Record<string, string>>(
      `select to_char(day, 'YYYY-MM-DD') as day, ${COLUMNS.slice(1).join(', ')}, metric_count::text
         from app_metrics_daily where day = $1::date order by ${COLUMNS.join(', ')}`,
      [day],
    );
    return rows.map((r) => {
      const dims = Object.fromEntries(DIMENSIONS.map((d, i) => [d, r[COLUMNS[i] as string] ?? ''])) as unknown;
      return { ...(dims as MetricDimensions), metricCount: Number(r.metric_count) };
    });
  }
}

/** CSV of a day's counters (RFC 4180 quoting), header first. */
export function dailyMetricsCsv(rows: readonly DailyMetric[]): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [[...COLUMNS, 'metric_count'].join(',')];
  for (const r of rows) lines.push([...DIMENSIONS.map((d) => quote(r[d])), String(r.metricCount)].join(','));
  return `${lines.join('\n')}\n`;
}
