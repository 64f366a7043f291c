import type pg from 'pg';

/**
 * This server's random identity (the one row of server_identity), created on first use: every database, also
 * one created from a template, gets its own.
 */
export async function serverIdentity(pool: pg.Pool): Promise<string> {
  await pool.query('insert into server_identity default values on conflict (singleton) do nothing');
  const result = await pool.query<{ id: string }>('select id from server_identity');
  return (result.rows[0] as { id: string }).id;
}
