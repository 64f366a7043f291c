import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { TEST_PG_URL } from './test-database';

function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose HTTP (base..base+nodes) and gRPC (+1000) ports for a hub and `nodes` nodes were free a moment ago. */
export async function freeFederationBasePort(nodes: number): Promise<number> {
  for (;;) {
    const base = randomInt(20_000, 40_000);
    const ports = Array.from({ length: nodes + 1 }, (_, i) => [base + i, base + 1000 + i]).flat();
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
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
