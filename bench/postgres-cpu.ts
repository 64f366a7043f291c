import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** CPU ticks (1/100 s) used so far by each PostgreSQL backend serving `database`, by pid (Linux /proc). */
async function backendTicks(pool: pg.Pool, database: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  const ticks = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // Not Linux, or the backend is gone: the figure is informative only.
    }
  }
  return ticks;
}

/**
 * Starts measuring the CPU of `database`'s backends; the returned function gives the seconds used since, by the
 * backends alive at that moment (one that closed in between is not counted, a new one counts from zero), so that
 * a pool closing idle connections never makes the figure negative.
 */
export async function postgresCpuMeter(pool: pg.Pool, database: string): Promise<() => Promise<number>> {
  const start = await backendTicks(pool, database);
  return async () => {
    let used = 0;
    for (const [pid, ticks] of await backendTicks(pool, database)) used += ticks - (start.get(pid) ?? 0);
    return used / 100;
  };
}
