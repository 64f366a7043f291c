import { parseCommonConfig } from '../../core/config/common.config';
import { openDatabase, type Database } from '../../core/db/database';
import { createLogger } from '../../core/logging/logger';
import { PUBLISH_ENTITIES } from '../../node/publish/publish.entities';

/**
 * Runs `work` against DATABASE_URL (already migrated: `enfed migrate`) and closes the handles. Commands
 * working with entities take `db.orm.em.fork()`; the others take `db.pool`.
 */
export async function withDatabase<T>(env: NodeJS.ProcessEnv, work: (db: Database) => Promise<T>): Promise<T> {
  const config = parseCommonConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'admin' });
  const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 2, entities: PUBLISH_ENTITIES });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
