import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../../cli/command';
import { parseCommonConfig } from '../../config/common.config';
import { openDatabase, type Database } from '../../db/database';
import { createLogger } from '../../logging/logger';
import { normalizeRegions } from '../../keys/regions';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `--name value` options strictly; any mistake is a UsageError (exit 2 with the usage line). */
export function parseOptions<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A required string option. */
export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** A comma-separated region list, upper-cased. */
export function regionList(value: unknown): string[] {
  return typeof value === 'string' ? normalizeRegions(value.split(',')) : [];
}

/** Runs `work` against DATABASE_URL (already migrated: `enfed migrate`) and closes the handles. */
export async function withDatabase<T>(env: NodeJS.ProcessEnv, work: (db: Database) => Promise<T>): Promise<T> {
  const config = parseCommonConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'admin' });
  const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 2 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Prints rows as aligned columns. */
export function printTable(header: string[], rows: string[][], out: NodeJS.WritableStream = process.stdout): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
