import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UsageError } from '../../../cli/command';
import { parseCommonConfig } from '../../../core/config/common.config';
import { openDatabase } from '../../../core/db/database';
import { createLogger } from '../../../core/logging/logger';

/** Runs `fn` with an EntityManager on DATABASE_URL (from `env`), closing the connection afterwards. */
export async function withAdminDatabase<T>(env: NodeJS.ProcessEnv, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  const config = parseCommonConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, name: 'admin' });
  const db = await openDatabase(config.DATABASE_URL, logger, { poolSize: 1 });
  try {
    return await fn(db.orm.em.fork());
  } finally {
    await db.close();
  }
}

/** Parses command options strictly; unknown or malformed options become a UsageError. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** A required string option. */
export function required(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** A comma-separated option as a list (empty when absent). */
export function commaList(value: string | boolean | undefined): string[] {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [];
}

/** An ISO 8601 date option, or `fallback` when absent. */
export function isoDate(value: string | boolean | undefined, name: string, fallback: Date | null): Date | null {
  if (value === undefined) return fallback;
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date, e.g. 2026-01-01T00:00:00Z`);
  return date;
}

/** Writes one line to stdout. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
