import { deleteRedisPrefix } from '../../core/jobs/redis';
import type { Logger } from '../../core/logging/logger';
import { parseHubConfig } from '../../hub/hub.config';
import { startHub } from '../../hub/main';
import { startNode } from '../../node/main';
import { parseNodeConfig } from '../../node/node.config';
import { createTestDatabase, TEST_REDIS_URL, testLogger, uniqueName } from './test-database';

/** Environment for a server under test: its own database, Redis prefix and free ports. */
export function testEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniqueName('enfed_test'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    SHUTDOWN_TIMEOUT: '5',
    ...extra,
  };
}


interface StartOptions {
  env?: Record<string, string>;
  now?: () => Date;
  logger?: Logger;
}

/** Starts a node in this process on a fresh database (migrated by start-up). */
export async function startTestNode(options: StartOptions = {}) {
  const db = await createTestDatabase();
  const config = parseNodeConfig(testEnv(db.url, options.env));
  const server = await startNode(config, { logger: options.logger ?? testLogger(), now: options.now });
  return {
    server,
    db,
    config,
    async destroy() {
      await server.stop();
      await db.destroy();
      await deleteRedisPrefix(config.REDIS_URL, config.REDIS_PREFIX);
    },
  };
}

/** Starts a hub in this process on a fresh database. */
export async function startTestHub(options: StartOptions = {}) {
  const db = await createTestDatabase();
  const config = parseHubConfig(testEnv(db.url, options.env));
  const server = await startHub(config, { logger: options.logger ?? testLogger(), now: options.now });
  return {
    server,
    db,
    config,
    async destroy() {
      await server.stop();
      await db.destroy();
      await deleteRedisPrefix(config.REDIS_URL, config.REDIS_PREFIX);
    },
  };
}
