import type pg from 'pg';

/**
 * Runs `work` in one transaction on a client of `pool`: commits when it resolves, rolls back when it (or
 * the commit) throws, rethrowing that error rather than the rollback's, and always releases the client.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inClientTransaction(client, work);
  } finally {
    client.release();
  }
}

/** As `inTransaction`, on a client the caller already holds and keeps (e.g. one holding a session lock). */
export async function inClientTransaction<C extends pg.ClientBase, T>(
  client: C,
  work: (client: C) => Promise<T>,
): Promise<T> {
  await client.query('begin');
  try {
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}
