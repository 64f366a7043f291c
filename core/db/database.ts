import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';
import { MIGRATIONS } from '../../migrations/index';
import type { Logger } from '../logging/logger';
import type { EntitySchema } from '@mikro-orm/core';

/**
 * The database handles of one process: the MikroORM instance for entities (fork an EntityManager per unit
 * of work with `orm.em.fork()`), and a plain `pg` pool for the bulk paths (export streams, federation
 * multi-row writes, COPY) where an ORM would only add per-row cost.
 */
export interface Database {
  orm: MikroORM;
  pool: pg.Pool;
  close(): Promise<void>;
}

// Dates come back as JS Dates (timestamptz) and bigint counters as numbers: every bigint we store
// (unix seconds, counts) is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the ORM and the bulk pool against `url`. Does not migrate. */
export async function openDatabase(
  url: string,
  logger: Logger,
  options: { poolSize?: number; entities?: readonly EntitySchema[] } = {},
): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [...(options.entities ?? [])],
    extensions: [Migrator],
    migrations: { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: options.poolSize ?? 10 },
    discovery: { warnWhenNoEntities: false },
    // Never create a database on connect: a mistyped DATABASE_URL must fail, not get an empty migrated database
    // (`enfed migrate --create-database` creates one on purpose).
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => logger.debug({ component: 'orm' }, message),
  });
  // Prepared (named) statements on hot paths save parse and analysis, while force_custom_plan keeps PostgreSQL
  // planning each execution with its real parameters: a generic plan cached on a small table can scan it whole.
  const pool = openPool(url, logger, {
    max: options.poolSize ?? 10,
    settings: { plan_cache_mode: 'force_custom_plan' },
  });
  let closed = false;
  return {
    orm,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([orm.close(true), pool.end()]);
    },
  };
}

/**
 * A plain `pg` pool whose sessions start with `settings` (PostgreSQL parameters). A lost connection, idle or
 * checked out, never crashes the process: the query in flight or the next one fails and the client is discarded.
 */
export function openPool(
  url: string,
  logger: Logger,
  options: { max: number; settings: Record<string, string> },
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    options: Object.entries(options.settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' '),
  });
  // An idle client that loses its connection must not crash the process; the next checkout reconnects.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
  // Nor may a checked-out one (a pull holding its lock session while it waits on the network, an export's
  // snapshot): the pool drops its idle listener at checkout, and an 'error' event with no listener kills the
  // process. The query in flight or the next one fails with the error and the client is discarded at release.
  pool.on('connect', (client) =>
    client.on('error', (err) => logger.debug({ err: err.message }, 'database connection lost while in use')),
  );
  return pool;
}

/** Applies every pending migration. Returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
