import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCommonConfig } from '../core/config/common.config';
import { openDatabase, type Database } from '../core/db/database';
import { normalizeRegions } from '../core/keys/regions';
import { createLogger } from '../core/logging/logger';
import { PUBLISH_ENTITIES } from '../node/publish/publish.entities';
import { UsageError } from './command';

/** What an admin command reads from a parsed option (`type: 'string'` or `'boolean'`). */
type OptionValue = string | boolean | undefined;

/**
 * Parses command options strictly, with at most `positionals` positional arguments; any mistake (unknown
 * or malformed option, an extra argument) is a UsageError (exit 2 with the usage line).
 */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  positionals = 0,
) {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals)
      throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** A required string option, trimmed. */
export function required(value: OptionValue, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** A comma-separated option as a list (empty when absent). */
export function commaList(value: OptionValue): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];
}

/** A comma-separated region list, upper-cased, deduplicated and sorted (empty when absent). */
export function regionList(value: OptionValue): string[] {
  return normalizeRegions(commaList(value));
}

/** An ISO 8601 date option, or `fallback` when absent. */
export function isoDate(value: OptionValue, name: string, fallback: Date | null): Date | null {
  if (value === undefined) return fallback;
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--${name} must be an ISO 8601 date, e.g. 2026-01-01T00:00:00Z`);
  return date;
}

/**
 * Runs `work` against DATABASE_URL (already migrated: `enfed migrate`) and closes the handles. Commands
 * working with entities take `db.orm.em.fork()`; bulk repositories take `db.pool`.
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

/**
 * Runs `work`; when it throws a `refusal` (an expected outcome such as NotFoundError, not a fault), writes
 * `enfed: <message>` to stderr and resolves to exit code 1 instead.
 */
export async function exitOneOn(
  refusal: abstract new (...args: never[]) => Error,
  work: () => Promise<number>,
): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof refusal)) throw err;
    process.stderr.write(`enfed: ${err.message}\n`);
    return 1;
  }
}

/** Writes one line to stdout. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Prints rows as aligned columns. */
export function printTable(header: string[], rows: string[][], out: NodeJS.WritableStream = process.stdout): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
