import { Redis } from 'ioredis';
import pg from 'pg';
import { redactUrl } from '../config/redact';

/** A dependency is unreachable or refuses us at start-up: the process exits with this, naming the variable. */
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StartupError';
  }
}

const RETRY_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A problem that waiting will not fix (the database does not exist, the password is wrong). */
class Permanent extends Error {}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    const { hostname, port, pathname } = new URL(url);
    const where = `${hostname}:${port || 5432}`;
    const database = decodeURIComponent(pathname.replace(/^\//, ''));
    if (code === '3D000') {
      throw new Permanent(
        `DATABASE_URL: database "${database}" does not exist on ${where} (create it with: enfed migrate --create-database)`,
      );
    }
    if (code === '28P01' || code === '28000') {
      throw new Permanent(`DATABASE_URL: PostgreSQL at ${where} refused the credentials (${code})`);
    }
    throw new Error(`DATABASE_URL: PostgreSQL at ${where} is not reachable (${code ?? message ?? 'no answer'})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
    enableOfflineQueue: false,
  });
  // ioredis rejects connect() with a generic "Connection is closed"; the socket's own error says why.
  let cause: { code?: string; message?: string } | undefined;
  redis.on('error', (err: Error) => {
    cause = err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const { code, message } = cause ?? (err as { code?: string; message?: string });
    throw new Error(`REDIS_URL: Redis at ${redactUrl(url)} is not reachable (${code ?? message ?? 'no answer'})`);
  } finally {
    redis.disconnect();
  }
}

/** Retries `probe` until it succeeds, a permanent problem comes up, or the deadline passes; the last problem. */
async function waitFor(probe: () => Promise<void>, deadline: number): Promise<string | undefined> {
  for (;;) {
    try {
      await probe();
      return undefined;
    } catch (err) {
      if (err instanceof Permanent || Date.now() + RETRY_MS >= deadline) return (err as Error).message;
    }
    await sleep(RETRY_MS);
  }
}

/**
 * Waits (at most `waitMs`) until PostgreSQL and Redis answer; throws one StartupError naming DATABASE_URL and/or
 * REDIS_URL (credentials masked) when they do not. A database that does not exist is reported at once and is
 * never created here.
 */
export async function checkDependencies(
  config: { DATABASE_URL: string; REDIS_URL: string },
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  const problems = await Promise.all([
    waitFor(() => probePostgres(config.DATABASE_URL), deadline),
    waitFor(() => probeRedis(config.REDIS_URL), deadline),
  ]);
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new StartupError(found);
}
