import pg from 'pg';
import { freePortBlock } from './ports';
import { TEST_PG_URL } from './test-database';

/** A base port whose HTTP (base..base+nodes) and gRPC (+1000) ports for a hub and `nodes` nodes were free a moment ago. */
export function freeFederationBasePort(nodes: number): Promise<number> {
  return freePortBlock(Array.from({ length: nodes + 1 }, (_, i) => [i, 1000 + i]).flat());
}

/** Which of these databases exist. */
export async function existingDatabases(names: string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [
      names,
    ]);
    return result.rows.map((r) => r.datname).sort();
  } finally {
    await client.end();
  }
}
