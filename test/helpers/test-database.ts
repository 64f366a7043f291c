import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { dropDatabase } from '../../core/db/admin';
import { migrate, openDatabase, type Database } from '../../core/db/database';
import { createLogger, type Logger } from '../../core/logging/logger';
import { PUBLISH_ENTITIES } from '../../node/publish/publish.entities';

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

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * The template's name: a digest of every migration's source, so a changed or added migration gets a new template
 * (and a stale one is never used), while runs with the same migrations share one.
 */
function templateName(): string {
  const digest = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    digest.update(file).update(readFileSync(MIGRATIONS_DIR + file));
  return `enfed_template_${digest.digest('hex').slice(0, 16)}`;
}

let template: Promise<string> | undefined;

/**
 * Migrates the schema once into a template database (as the reference server's tests do) and returns its name.
 * Test processes run in parallel: an advisory lock makes one build it while the others wait; the template is
 * built under a temporary name and renamed when complete, so no process ever clones a half-migrated one.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = templateName();
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(`select pg_advisory_lock(hashtext('enfed_test_template'))`);
      const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_building_${process.pid}`;
        await admin.query(`drop database if exists ${building}`);
        await admin.query(`create database ${building}`);
        const db = await openDatabase(databaseUrl(building), testLogger(), { poolSize: 1 });
        try {
          await migrate(db.orm);
        } finally {
          await db.close();
        }
        await admin.query(`alter database ${building} rename to ${name}`);
      }
      return name;
    } finally {
      await admin.query(`select pg_advisory_unlock(hashtext('enfed_test_template'))`).catch(() => undefined);
      await admin.end();
    }
  })();
  return template;
}

/** A throwaway database with the whole schema, cloned from the migrated template; `destroy()` it after. */
export async function createTestDatabase(logger: Logger = testLogger()): Promise<TestDatabase> {
  const name = uniqueName('enfed_test');
  const url = databaseUrl(name);
  const source = await migratedTemplate();
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${source}`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase(url, logger, { poolSize: 5, entities: PUBLISH_ENTITIES });
  return {
    ...db,
    url,
    async destroy() {
      await db.close();
      await dropDatabase(url);
    },
  };
}
