import { parseCommonConfig } from '../../core/config/common.config';
import { ensureDatabase } from '../../core/db/admin';
import { migrate, openDatabase } from '../../core/db/database';
import { createLogger } from '../../core/logging/logger';
import type { Command } from '../command';

export const migrateCommand: Command = {
  words: ['migrate'],
  usage: 'enfed migrate [--create-database]',
  summary: 'apply pending schema migrations to DATABASE_URL',
  async run(args, env) {
    const config = parseCommonConfig(env);
    const logger = createLogger({ level: config.LOG_LEVEL, name: 'migrate' });
    if (args.includes('--create-database')) await ensureDatabase(config.DATABASE_URL);
    const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 1 });
    try {
      const applied = await migrate(db.orm);
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};
