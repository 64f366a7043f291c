import { Redis } from 'ioredis';

/**
 * A Redis connection suitable for BullMQ (which requires `maxRetriesPerRequest: null` for workers).
 * Callers own the connection and must `quit()` it on shutdown.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
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
