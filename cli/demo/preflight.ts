import pg from 'pg';
import { Redis } from 'ioredis';
import { splitDatabaseUrl } from '../../core/db/admin';

/** What the demo needs running before it starts, with how to start it when it is not. */
export async function checkServices(databaseUrl: string, redisUrl: string): Promise<string[]> {
  const problems: string[] = [];
  const { adminUrl } = splitDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    problems.push(
      `PostgreSQL is not reachable at ${redactUrl(adminUrl)} (${(err as Error).message}).\n` +
        `    Start it (Debian): pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
        `    or with Docker: docker compose -f compose/docker-compose.yml up -d postgres\n` +
        `    or point DATABASE_URL at your server.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(
      `Redis is not reachable at ${redactUrl(redisUrl)} (${(err as Error).message}).\n` +
        `    Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n` +
        `    or with Docker: docker compose -f compose/docker-compose.yml up -d redis\n` +
        `    or point REDIS_URL at your server.`,
    );
  } finally {
    redis.disconnect();
  }
  return problems;
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
