import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** CPU seconds used so far by the PostgreSQL backends serving `database` (Linux /proc; 0 elsewhere). */
export async function postgresCpuSeconds(pool: pg.Pool, database: string): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Not Linux, or the backend is gone: the figure is informative only.
    }
  }
  return ticks / 100;
}
