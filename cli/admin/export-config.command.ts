import { Command } from 'commander';
import { ROOT_PATTERN } from '../../core/export/configs/export-config.model';
import { ExportConfigRepository } from '../../core/export/configs/export-config.repository';
import { DEFAULT_MAX_RECORDS_PER_FILE, MAX_RECORDS_PER_FILE_LIMIT } from '../../core/export/format/export-format';
import { ALL_REGIONS } from '../../core/keys/storage/region-predicate';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, regionList, required, wholeNumber } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

function timestamp(value: string | undefined, name: string): Date | null {
  if (value === undefined) return null;
  const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name}: expected an ISO date or unix seconds`);
  return date;
}

function inputRegions(value: string | undefined): string[] {
  if (typeof value === 'string' && value.trim() === ALL_REGIONS) return [ALL_REGIONS];
  return regionList(value);
}

interface ExportConfigAddOptions {
  root?: string;
  region?: string;
  input?: string;
  exclude?: string;
  travelers: string;
  period: string;
  maxRecords?: string;
  from?: string;
  thru?: string;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('add an export config: which keys go into which series of signed files')
    .option('--root <name>', 'folder and unique name of its files (lower-case, digits, _ -, nested with /)')
    .option('--region <region>', 'the region written into its files')
    .option('--input <regions>', "regions whose keys it takes, comma-separated, or '*' for all")
    .option('--exclude <regions>', 'regions whose keys it never takes')
    .option('--travelers <mode>', 'include, exclude or only', 'include')
    .option('--period <duration>', 'window of one batch of files; must divide 24h', '1h')
    .option('--max-records <n>', 'records per file before a window splits')
    .option('--from <iso|unix>', 'first window (default now)')
    .option('--thru <iso|unix>', 'no windows from here on');
  return setAction(cmd, async (options: ExportConfigAddOptions) => {
    const root = required(options.root, 'root');
    if (!ROOT_PATTERN.test(root)) throw new UsageError('--root: lower-case letters, digits, _ and - (nested with /)');
    const outputRegion = regionList(required(options.region, 'region'))[0];
    if (!outputRegion) throw new UsageError('--region is required');
    const input = inputRegions(options.input);
    const exclude = regionList(options.exclude);
    const travelers = options.travelers;
    if (!['include', 'exclude', 'only'].includes(travelers))
      throw new UsageError('--travelers: include, exclude or only');
    if (input.length === 0 && travelers !== 'only') {
      throw new UsageError('--input needs at least one region (or * for all)');
    }
    if (exclude.some((r) => input.includes(r))) throw new UsageError('--input and --exclude overlap');
    const period = durationOption(options.period, 'period', 3600);
    if (period <= 0 || 86400 % period !== 0) throw new UsageError('--period must divide 24h (e.g. 1h, 4h, 24h)');
    const maxRecords = wholeNumber(
      options.maxRecords,
      'max-records',
      DEFAULT_MAX_RECORDS_PER_FILE,
      1,
      MAX_RECORDS_PER_FILE_LIMIT,
    );
    const from = timestamp(options.from, 'from') ?? new Date();
    const thru = timestamp(options.thru, 'thru');
    if (thru && thru <= from) throw new UsageError('--thru must be after --from');
    await withDatabase(ctx.env, async (db) => {
      const repo = new ExportConfigRepository(db.pool);
      if (await repo.byRoot(root)) throw new UsageError(`--root ${root}: an export config with this root exists`);
      const config = await repo.insert({
        root,
        outputRegion,
        inputRegions: input,
        excludeRegions: exclude,
        includeTravelers: travelers !== 'exclude',
        onlyTravelers: travelers === 'only',
        periodSeconds: period,
        maxRecordsPerFile: maxRecords,
        fromTimestamp: from,
        thruTimestamp: thru,
      });
      ctx.out(
        `export config ${config.id} added: ${config.root}/index.txt (region ${config.outputRegion}, every ${period}s)\n`,
      );
    });
  });
}

function listCommand(ctx: CliContext): Command {
  return setAction(new Command('list').description('list export configs'), () =>
    withDatabase(ctx.env, async (db) => {
      const configs = await new ExportConfigRepository(db.pool).list();
      ctx.out(
        formatTable(
          ['ID', 'ROOT', 'REGION', 'INPUT', 'EXCLUDE', 'TRAVELERS', 'PERIOD', 'MAX', 'FROM', 'THRU'],
          configs.map((c) => [
            String(c.id),
            c.root,
            c.outputRegion,
            c.inputRegions.join(','),
            c.excludeRegions.join(','),
            c.onlyTravelers ? 'only' : c.includeTravelers ? 'include' : 'exclude',
            `${c.periodSeconds}s`,
            String(c.maxRecordsPerFile),
            c.fromTimestamp.toISOString(),
            c.thruTimestamp?.toISOString() ?? '',
          ]),
        ),
      );
    }),
  );
}

/** `enfed admin export-config add|list`: the series of signed export files this server writes. */
export function exportConfigCommand(ctx: CliContext): Command {
  return new Command('export-config')
    .description('export configs: which keys go into which series of signed files')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx));
}
