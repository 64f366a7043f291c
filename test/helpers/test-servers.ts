import type { CommonConfig } from '../../core/config/common.config';
import { deleteRedisPrefix } from '../../core/jobs/redis';
import type { Logger } from '../../core/logging/logger';
import type { RunningKeyServer } from '../../core/server/key-server';
import { parseHubConfig, type HubConfig } from '../../hub/hub.config';
import { startHub } from '../../hub/main';
import { startNode } from '../../node/main';
import { parseNodeConfig, type NodeConfig } from '../../node/node.config';
import { createTestDatabase, TEST_REDIS_URL, testLogger, uniqueName, type TestDatabase } from './test-database';

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
    // Tests send many requests from one address; the rate-limit tests switch the limits on.
    RATE_LIMIT_PUBLISH: '0',
    RATE_LIMIT_CLAIM: '0',
    ...extra,
  };
}

interface StartOptions {
  env?: Record<string, string>;
  /** The DATABASE_URL the server gets, from its test database's (e.g. through a TCP proxy the test can cut). */
  databaseVia?: (url: string) => string;
  now?: () => Date;
  logger?: Logger;
}

/** A server under test with its database; `destroy()` stops it, drops the database and its Redis prefix. */
export interface TestServer<C extends CommonConfig> {
  server: RunningKeyServer<C>;
  db: TestDatabase;
  config: C;
  destroy(): Promise<void>;
}

/** Node and hub differ only in their config parser and composition root. */
async function startTestServer<C extends CommonConfig>(
  parseConfig: (env: NodeJS.ProcessEnv) => C,
  start: (
    config: C,
    overrides: { logger?: Logger; now?: () => Date; env?: NodeJS.ProcessEnv },
  ) => Promise<RunningKeyServer<C>>,
  options: StartOptions,
): Promise<TestServer<C>> {
  const db = await createTestDatabase();
  let config: C;
  let server: RunningKeyServer<C>;
  try {
    const url = options.databaseVia ? options.databaseVia(db.url) : db.url;
    const env = testEnv(url, options.env);
    config = parseConfig(env);
    server = await start(config, { logger: options.logger ?? testLogger(), now: options.now, env });
  } catch (err) {
    // A server that refuses to start must not leave its database behind.
    await db.destroy();
    throw err;
  }
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

/** Starts a node in this process on a fresh database (migrated by start-up). */
export function startTestNode(options: StartOptions = {}): Promise<TestServer<NodeConfig>> {
  return startTestServer(parseNodeConfig, startNode, options);
}

/** Starts a hub in this process on a fresh database. */
export function startTestHub(options: StartOptions = {}): Promise<TestServer<HubConfig>> {
  return startTestServer(parseHubConfig, startHub, options);
}
