import type pg from 'pg';

/** This server's random identity (one row of server_identity, written by its migration). */
export async function serverIdentity(pool: pg.Pool): Promise<string> {
  const result = await pool.query<{ id: string }>('select id from server_identity');
  const id = result.rows[0]?.id;
  if (!id) throw new Error('server_identity is empty: run the migrations (enfed migrate)');
  return id;
}
