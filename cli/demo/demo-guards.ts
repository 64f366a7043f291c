import { createServer } from 'node:net';
import pg from 'pg';
import { splitDatabaseUrl } from '../../core/db/admin';
import type { DemoPlan } from './demo-plan';

/**
 * A refusal message when sessions are open on this instance's databases: its demo runs (perhaps from another
 * --dir, which the lock file cannot see), or its servers outlived it. Starting would drop those databases under
 * them; cleaning would too.
 */
export async function instanceInUse(plan: DemoPlan, instance: string): Promise<string | undefined> {
  const servers = [plan.hub, ...plan.nodes];
  const names = servers.map((s) => splitDatabaseUrl(s.databaseUrl).name);
  const client = new pg.Client({ connectionString: splitDatabaseUrl(plan.hub.databaseUrl).adminUrl });
  await client.connect();
  try {
    const result = await client.query<{ datname: string; sessions: number }>(
      `select datname, count(*)::int as sessions from pg_stat_activity
       where datname = any($1) and pid <> pg_backend_pid() group by datname order by datname`,
      [names],
    );
    if (result.rows.length === 0) return undefined;
    const sessions = result.rows.map((r) => `${r.datname} (${r.sessions})`).join(', ');
    return (
      `the databases of instance ${instance} are in use: ${sessions}.\n` +
      `  Is a demo with --instance ${instance} running from another --dir? Stop it, or choose another --instance.`
    );
  } finally {
    await client.end();
  }
}

function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The demo's ports (HTTP and gRPC of every server) something already listens on, e.g. `port 8081 (node-wa HTTP)`. */
export async function portsInUse(plan: DemoPlan): Promise<string[]> {
  const wanted = [plan.hub, ...plan.nodes].flatMap((s) => [
    { port: s.httpPort, what: `${s.name} HTTP` },
    { port: s.grpcPort, what: `${s.name} gRPC` },
  ]);
  const free = await Promise.all(wanted.map((w) => portFree(w.port)));
  return wanted.filter((_, i) => !free[i]).map((w) => `port ${w.port} (${w.what}) is in use`);
}
