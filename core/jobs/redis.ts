import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/**
 * A Redis connection suitable for BullMQ (which requires `maxRetriesPerRequest: null` for workers).
 * Callers own the connection and must close it on shutdown (`closeRedis`).
 */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * Closes a connection: QUIT when Redis is there (pending replies arrive first), otherwise drop it at once. QUIT
 * on a connection that is reconnecting waits in the offline queue for a Redis that may never come back.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}

/** Resolves once Redis answers PING, or rejects with a clear message after `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer PING in time')), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connection settings for a BullMQ Queue or Worker, taken from the process's Redis connection. Passing
 * settings (not the shared instance) lets BullMQ own and close its connections: with a shared instance, a
 * command still in flight when the process quits Redis on shutdown rejects unhandled ("Connection is closed").
 */
export function bullConnection(redis: Redis): ConnectionOptions {
  const { host, port, username, password, db, tls, family } = redis.options;
  return { host, port, username, password, db, tls, family, maxRetriesPerRequest: null };
}

/** Deletes every key under `prefix:` (a demo run's or a test's BullMQ state). Never used on a live prefix. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A Redis connection that fails fast while Redis is away (no offline queue, no retries per command, 2 s command
 * timeout) and reconnects by itself: for per-request checks (rate limits, failed-claim counters) whose caller
 * decides at once what an outage means (fail open or closed) instead of queueing the request.
 */
export function connectFailFastRedis(url: string, onError: (err: Error) => void): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2000,
    lazyConnect: true,
  });
  redis.on('error', onError);
  return redis;
}
