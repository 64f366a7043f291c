import { Command } from 'commander';
import { AlreadyExistsError, NotFoundError } from '../../core/errors/app-error';
import { REGION_CODE } from '../../core/keys/regions';
import { ledgerCounts } from '../../hub/sources/imports/import-files.repository';
import { ImportRepository } from '../../hub/sources/imports/imports.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, required, wholeNumber } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';
import { importKeyCommand } from './import-key.command';
import { importRunCommand } from './import-run.command';

interface ImportAddOptions {
  name?: string;
  indexUrl?: string;
  exportRoot?: string;
  region?: string;
  traveler?: boolean;
  backfillReportType?: string;
  backfillDaysSinceOnset?: string;
  interval?: string;
  disabled?: boolean;
}

/** An http(s) URL option. */
function httpUrl(value: string | undefined, name: string): URL {
  const text = required(value, name);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${name} must be an http or https URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--${name} must be an http or https URL`);
  }
  return url;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('add a server whose signed export files the hub imports (picked up without a restart)')
    .option('--name <name>', 'the import (unique): letters, digits, . _ -')
    .option('--index-url <url>', 'URL of its index.txt (https; http only for tests)')
    .option('--export-root <url>', "URL the names in the index are relative to (default: the index URL's folder)")
    .option('--region <region>', 'region the imported keys are pooled under')
    .option('--traveler', 'pool the imported keys as traveler keys')
    .option(
      '--backfill-report-type <type>',
      'report type of keys that have none: confirmed, likely or none',
      'confirmed',
    )
    .option('--backfill-days-since-onset <days>', 'days since onset of keys that have none (-14..14) or none', '10')
    .option('--interval <duration>', 'how often to read the index', '5m')
    .option('--disabled', 'add it without scheduling it');
  return setAction(cmd, async (options: ImportAddOptions) => {
    const name = required(options.name, 'name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      throw new UsageError('--name: letters, digits, . _ - (max 63)');
    }
    const indexUrl = httpUrl(options.indexUrl, 'index-url');
    const exportRoot = options.exportRoot ? httpUrl(options.exportRoot, 'export-root') : new URL('.', indexUrl);
    const region = required(options.region, 'region').toUpperCase();
    if (!REGION_CODE.test(region)) throw new UsageError('--region: letters, digits, _ and - only');
    const report = options.backfillReportType ?? 'confirmed';
    if (report !== 'confirmed' && report !== 'likely' && report !== 'none') {
      throw new UsageError('--backfill-report-type is confirmed, likely or none');
    }
    const dso = options.backfillDaysSinceOnset ?? '10';
    const backfillDaysSinceOnset = dso === 'none' ? null : wholeNumber(dso, 'backfill-days-since-onset', 10, -14, 14);
    const intervalSeconds = durationOption(options.interval, 'interval', 300);
    if (intervalSeconds <= 0) throw new UsageError('--interval must be a duration such as 30s or 5m');
    const added = await withDatabase(ctx.env, (db) =>
      refuseOn(AlreadyExistsError, () =>
        new ImportRepository(db.pool).add({
          name,
          indexUrl: indexUrl.toString(),
          exportRootUrl: exportRoot.toString(),
          region,
          traveler: options.traveler === true,
          backfillReportType: report === 'none' ? null : report,
          backfillDaysSinceOnset,
          intervalSeconds,
          enabled: options.disabled !== true,
        }),
      ),
    );
    ctx.out(
      `import ${added.name} added (id ${added.id}, every ${added.intervalSeconds}s); ` +
        `add the server's export signing keys with: enfed admin import key add --import ${added.name} …\n`,
    );
  });
}

function listCommand(ctx: CliContext): Command {
  return setAction(
    new Command('list').description('list the imports with their ledger (files done, failed, pending) and backoff'),
    () =>
      withDatabase(ctx.env, async (db) => {
        const imports = await new ImportRepository(db.pool).list();
        const counts = await ledgerCounts(db.pool);
        ctx.out(
          formatTable(
            [
              'ID',
              'NAME',
              'INDEX',
              'REGION',
              'TRAVELER',
              'BACKFILL',
              'EVERY',
              'ON',
              'DONE',
              'FAILED',
              'PENDING',
              'NEXT ATTEMPT',
            ],
            imports.map((i) => {
              const c = counts.get(i.id);
              return [
                String(i.id),
                i.name,
                i.indexUrl,
                i.region,
                i.traveler ? 'yes' : 'no',
                `${i.backfillReportType ?? 'none'}/${i.backfillDaysSinceOnset ?? 'none'}`,
                `${i.intervalSeconds}s`,
                i.enabled ? 'yes' : 'no',
                String(c?.done ?? 0),
                String(c?.failed ?? 0),
                String((c?.pending ?? 0) + (c?.importing ?? 0)),
                i.nextAttemptAt ? i.nextAttemptAt.toISOString() : '-',
              ];
            }),
          ),
        );
      }),
  );
}

/** `remove` deletes the import, its keys, ledger and runs; keys it pooled stay in the pool. */
function removeCommand(ctx: CliContext): Command {
  const cmd = new Command('remove')
    .description('remove an import (its schedule stops within IMPORT_SYNC_INTERVAL; pooled keys stay)')
    .option('--name <name>', 'the import');
  return setAction(cmd, async (options: { name?: string }) => {
    const name = required(options.name, 'name');
    await withDatabase(ctx.env, (db) => refuseOn(NotFoundError, () => new ImportRepository(db.pool).remove(name)));
    ctx.out(`import ${name} removed\n`);
  });
}

/** `enfed admin import add|list|remove|run` and `enfed admin import key add|list|revoke`. */
export function importCommand(ctx: CliContext): Command {
  return new Command('import')
    .description("other servers' signed export files the hub imports (index.txt, zips, export.sig)")
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(removeCommand(ctx))
    .addCommand(importRunCommand(ctx))
    .addCommand(importKeyCommand(ctx));
}
