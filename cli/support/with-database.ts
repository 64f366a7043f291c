import { parseCommonConfig } from '../../core/config/common.config';
import { openDatabase, type Database } from '../../core/db/database';
import { createLogger } from '../../core/logging/logger';
import { openSecretSealer } from '../../core/secrets/open-sealer';
import type { SecretSealer } from '../../core/secrets/secret-sealer';
import { PUBLISH_ENTITIES } from '../../node/publish/publish.entities';

/**
 * Runs `work` against DATABASE_URL (already migrated: `enfed migrate`) and closes the handles. Commands
 * working with entities take `db.orm.em.fork()`; the others take `db.pool`. Commands that write or read secrets
 * take `sealer` (the KEK of the server, resolved from its reference before the database is opened).
 */
export async function withDatabase<T>(
  env: NodeJS.ProcessEnv,
  work: (db: Database, sealer: SecretSealer) => Promise<T>,
): Promise<T> {
  const config = parseCommonConfig(env);
  const sealer = await openSecretSealer(config, env);
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'admin' });
  const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 2, entities: PUBLISH_ENTITIES });
  try {
    return await work(db, sealer);
  } finally {
    await db.close();
  }
}
