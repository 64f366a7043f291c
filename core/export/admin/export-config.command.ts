import { UsageError, type Command } from '../../../cli/command';
import { duration } from '../../config/env';
import { parseOptions, printTable, regionList, required, withDatabase } from '../../../cli/admin-support';
import { ALL_REGIONS } from '../../keys/storage/region-predicate';
import { ROOT_PATTERN } from '../configs/export-config.model';
import { ExportConfigRepository } from '../configs/export-config.repository';
import { DEFAULT_MAX_RECORDS_PER_FILE, MAX_RECORDS_PER_FILE_LIMIT } from '../format/export-format';

function seconds(value: string, name: string): number {
  const parsed = duration(0).safeParse(value);
  if (!parsed.success) throw new UsageError(`--${name}: expected a duration such as 3600, 60s, 1h or 1d`);
  return parsed.data;
}

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

/** `enfed admin export-config add`. */
export const exportConfigAddCommand: Command = {
  words: ['admin', 'export-config', 'add'],
  usage:
    'enfed admin export-config add --root NAME --region OUT --input CA,NY|* [--exclude TX] [--travelers include|exclude|only] [--period 1h] [--max-records 500000] [--from ISO] [--thru ISO]',
  summary: 'add an export config (which keys go into which series of signed files)',
  async run(args, env) {
    const { values: v } = parseOptions(args, {
      root: { type: 'string' },
      region: { type: 'string' },
      input: { type: 'string' },
      exclude: { type: 'string' },
      travelers: { type: 'string' },
      period: { type: 'string' },
      'max-records': { type: 'string' },
      from: { type: 'string' },
      thru: { type: 'string' },
    });
    const root = required(v.root, 'root');
    if (!ROOT_PATTERN.test(root)) throw new UsageError('--root: lower-case letters, digits, _ and - (nested with /)');
    const outputRegion = regionList(required(v.region, 'region'))[0];
    if (!outputRegion) throw new UsageError('--region is required');
    const input = inputRegions(v.input);
    const exclude = regionList(v.exclude);
    const travelers = v.travelers ?? 'include';
    if (!['include', 'exclude', 'only'].includes(travelers))
      throw new UsageError('--travelers: include, exclude or only');
    if (input.length === 0 && travelers !== 'only')
      throw new UsageError('--input needs at least one region (or * for all)');
    if (exclude.some((r) => input.includes(r))) throw new UsageError('--input and --exclude overlap');
    const period = seconds(v.period ?? '1h', 'period');
    if (period <= 0 || 86400 % period !== 0) throw new UsageError('--period must divide 24h (e.g. 1h, 4h, 24h)');
    const maxRecords = Number(v['max-records'] ?? DEFAULT_MAX_RECORDS_PER_FILE);
    if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_RECORDS_PER_FILE_LIMIT) {
      throw new UsageError(`--max-records: a whole number from 1 to ${MAX_RECORDS_PER_FILE_LIMIT}`);
    }
    const from = timestamp(v.from, 'from') ?? new Date();
    const thru = timestamp(v.thru, 'thru');
    if (thru && thru <= from) throw new UsageError('--thru must be after --from');
    return withDatabase(env, async (db) => {
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
      process.stdout.write(
        `export config ${config.id} added: ${config.root}/index.txt (region ${config.outputRegion}, every ${period}s)\n`,
      );
      return 0;
    });
  },
};

/** `enfed admin export-config list`. */
export const exportConfigListCommand: Command = {
  words: ['admin', 'export-config', 'list'],
  usage: 'enfed admin export-config list',
  summary: 'list export configs',
  async run(args, env) {
    parseOptions(args, {});
    return withDatabase(env, async (db) => {
      const configs = await new ExportConfigRepository(db.pool).list();
      printTable(
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
      );
      return 0;
    });
  },
};
