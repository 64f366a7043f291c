import pg from 'pg';

/** Splits a database URL into the URL of the server's maintenance database and the database name. */
export function splitDatabaseUrl(url: string): { adminUrl: string; name: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  parsed.pathname = '/postgres';
  return { adminUrl: parsed.toString(), name };
}

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Runs `work` on a connection to the maintenance database of the server in `url`, with the name of the
 * database in `url`, checked safe to splice into DDL (which cannot take it as a parameter).
 */
async function withMaintenanceClient(
  url: string,
  work: (client: pg.Client, name: string) => Promise<unknown>,
): Promise<void> {
  const { adminUrl, name } = splitDatabaseUrl(url);
  if (!SAFE_NAME.test(name)) throw new Error(`database name must match ${SAFE_NAME}: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await work(client, name);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` if it does not exist (used by `enfed demo` and tests). */
export async function ensureDatabase(url: string): Promise<void> {
  await withMaintenanceClient(url, async (client, name) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${name}`);
      } catch (err) {
        // Another process created it between our check and our create.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  });
}

/** Drops the database named in `url`, disconnecting any session still on it (tests only). */
export async function dropDatabase(url: string): Promise<void> {
  await withMaintenanceClient(url, (client, name) => client.query(`drop database if exists ${name} with (force)`));
}
