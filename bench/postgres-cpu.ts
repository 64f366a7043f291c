import type pg from 'pg';
import { processCpuSeconds } from './support/proc-stats';

/** CPU seconds used so far by each PostgreSQL backend serving `database`, by pid (Linux /proc). */
async function backendSeconds(pool: pg.Pool, database: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  const seconds = new Map<number, number>();
  for (const { pid } of rows) {
    const used = processCpuSeconds(pid);
    // 0: the backend is gone (or this is not Linux); left out, so that its earlier work is not subtracted.
    if (used > 0) seconds.set(pid, used);
  }
  return seconds;
}

/**
 * Starts measuring the CPU of `database`'s backends; the returned function gives the seconds used since, by the
 * backends alive at that moment (one that closed in between is not counted, a new one counts from zero), so that
 * a pool closing idle connections never makes the figure negative.
 */
export async function postgresCpuMeter(pool: pg.Pool, database: string): Promise<() => Promise<number>> {
  const start = await backendSeconds(pool, database);
  return async () => {
    let used = 0;
    for (const [pid, seconds] of await backendSeconds(pool, database)) used += seconds - (start.get(pid) ?? 0);
    return used;
  };
}
