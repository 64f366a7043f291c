import { Command } from 'commander';
import { commonConfig } from '../../core/config/common.config';
import { parseSections } from '../../core/config/config-section';
import { createLogger } from '../../core/logging/logger';
import { KeyPool } from '../../hub/pool/key-pool';
import { importConfig } from '../../hub/sources/imports/import.config';
import { ImportRepository } from '../../hub/sources/imports/imports.repository';
import { runImport } from '../../hub/sources/imports/run-import';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { required } from '../support/option-parsers';
import { Refusal } from '../support/refusal';
import { withDatabase } from '../support/with-database';

/**
 * `enfed admin import run --name <n>`: one run now, in this process, with the hub's IMPORT_* settings and ignoring
 * the backoff, e.g. to check a new import before its schedule comes. Safe next to a running hub: the import's lock
 * makes one of the two find it busy.
 */
export function importRunCommand(ctx: CliContext): Command {
  const cmd = new Command('run')
    .description('run an import once now (ignores its backoff); prints files and keys imported')
    .option('--name <name>', 'the import');
  return setAction(cmd, async (options: { name?: string }) => {
    const name = required(options.name, 'name');
    const config = parseSections([commonConfig, importConfig] as const, ctx.env);
    const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'admin' });
    await withDatabase(ctx.env, async (db) => {
      const imp = await new ImportRepository(db.pool).findByName(name);
      if (!imp) throw new Refusal(`no import named ${name}`);
      const outcome = await runImport(
        {
          db: db.pool,
          keyPool: new KeyPool({ acceptSelfReport: config.IMPORT_ACCEPT_SELF_REPORT }),
          logger,
          now: () => new Date(),
          truncateWindowSeconds: config.TRUNCATE_WINDOW,
          pageSize: config.IMPORT_PAGE_SIZE,
          indexMaxBytes: config.IMPORT_INDEX_MAX_BYTES,
          limits: { maxBytes: config.IMPORT_FILE_MAX_BYTES, maxInflatedBytes: config.IMPORT_FILE_MAX_INFLATED_BYTES },
          downloadTimeoutSeconds: config.IMPORT_DOWNLOAD_TIMEOUT,
          backoffBaseSeconds: config.IMPORT_BACKOFF_BASE,
          backoffMaxSeconds: config.IMPORT_BACKOFF_MAX,
        },
        imp.id,
        { ignoreBackoff: true },
      );
      if (outcome.status !== 'done' && outcome.status !== 'failed') {
        throw new Refusal(`import ${name} did not run: ${outcome.status}`);
      }
      const c = outcome.counts;
      ctx.out(
        `import ${name}: ${c.files} files imported, ${c.failedFiles} failed; keys received ${c.received}, ` +
          `inserted ${c.inserted}, duplicates ${c.duplicates}, invalid ${c.invalid}, revised ${c.revised}\n`,
      );
      if (outcome.error) throw new Refusal(`import ${name}: ${outcome.error}`);
    });
  });
}
