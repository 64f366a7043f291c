import type pg from 'pg';
import type { RetentionTask } from '../../core/retention/cleanup.component';

/** The hub's run tables and the source each run belongs to. */
const RUN_TABLES = [
  { table: 'federation_in_runs', source: 'query_id' },
  { table: 'import_runs', source: 'import_id' },
  { table: 'covid_alert_runs', source: 'source_id' },
] as const;

/**
 * Pull, import and COVID Alert run rows older than the key retention: one per source every few minutes would
 * otherwise grow without end (the status page reads only the last 24 h). Each source's latest run stays, so a
 * source idle for longer still shows when it last ran. Deleted in batches, so no statement holds a long lock.
 */
export const pruneRunHistory: RetentionTask = {
  name: 'run history',
  async run(pool: pg.Pool, cutoff: Date, batchSize: number): Promise<number> {
    let deleted = 0;
    for (const { table, source } of RUN_TABLES) {
      for (;;) {
        const result = await pool.query(
          `delete from ${table} where id in (
             select id from ${table} r where r.finished_at < $1
               and r.id <> (select max(id) from ${table} latest where latest.${source} = r.${source})
             limit $2)`,
          [cutoff, batchSize],
        );
        const count = result.rowCount ?? 0;
        deleted += count;
        if (count < batchSize) break;
      }
    }
    return deleted;
  },
};
