import { Command } from 'commander';
import { parseCommonConfig } from '../../core/config/common.config';
import { ensureDatabase } from '../../core/db/admin';
import { migrate, openDatabase } from '../../core/db/database';
import { createLogger } from '../../core/logging/logger';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';

/** `enfed migrate`. */
export function migrateCommand(ctx: CliContext): Command {
  const cmd = new Command('migrate')
    .description('apply pending schema migrations to DATABASE_URL')
    .option('--create-database', 'create the database first if it does not exist');
  return setAction(cmd, async (options: { createDatabase?: boolean }) => {
    const config = parseCommonConfig(ctx.env);
    const logger = createLogger({ level: config.LOG_LEVEL, name: 'migrate' });
    if (options.createDatabase) await ensureDatabase(config.DATABASE_URL);
    const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 1 });
    try {
      const applied = await migrate(db.orm);
      ctx.out(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    } finally {
      await db.close();
    }
  });
}
