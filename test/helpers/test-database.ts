import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from '../../core/db/admin';
import { migrate, openDatabase, type Database } from '../../core/db/database';
import { PUBLISH_ENTITIES } from '../../node/publish/publish.entities';
import { createLogger, type Logger } from '../../core/logging/logger';

/** Base URL of the PostgreSQL server tests use (trust auth on this machine and in CI). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A logger that stays quiet unless TEST_LOG_LEVEL asks otherwise. */
export function testLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
}

/** A fresh name for a throwaway database or Redis prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** URL of a database called `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase extends Database {
  url: string;
  /** Closes the handles and drops the database. */
  destroy(): Promise<void>;
}

/** Creates and migrates a throwaway database; call `destroy()` in `test.after.always`. */
export async function createTestDatabase(logger: Logger = testLogger()): Promise<TestDatabase> {
  const url = databaseUrl(uniqueName('enfed_test'));
  await ensureDatabase(url);
  const db = await openDatabase(url, logger, { poolSize: 5, entities: PUBLISH_ENTITIES });
  await migrate(db.orm);
  return {
    ...db,
    url,
    async destroy() {
      await db.close();
      await dropDatabase(url);
    },
  };
}
