import type pg from 'pg';
import { exitedChildrenCpuSeconds, parentPid, processCpuSeconds } from './support/proc-stats';

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

/**
 * Starts measuring the CPU of PostgreSQL processes that exit meanwhile, such as the parallel workers of a query
 * (short-lived, so the per-backend meter never sees them): the postmaster adds each exited child's CPU to its own
 * children's time. Server-wide: it counts every database's exited processes (autovacuum workers too), so it is
 * read beside one benchmark step at a time.
 */
export async function exitedPostgresCpuMeter(pool: pg.Pool): Promise<() => number> {
  const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
  const postmaster = parentPid(rows[0]!.pid);
  const start = exitedChildrenCpuSeconds(postmaster);
  return () => exitedChildrenCpuSeconds(postmaster) - start;
}
