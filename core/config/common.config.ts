import { z } from 'zod';
import { duration, integer, list, parseEnv, url } from './env';

/**
 * Settings every enfed process shares (node and hub alike). Role-specific settings extend this.
 * Production defaults follow the spec; the timing settings can be compressed to seconds for tests and demos.
 */
export const commonEnvShape = {
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/enfed', ['postgres:', 'postgresql:']),
  /** Connections in the bulk pool (and the ORM's pool) of this process. */
  DATABASE_POOL_SIZE: integer(10, 2, 500),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** Prefix of every BullMQ key, so that several nodes can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, : _ -')
    .default('enfed'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: integer(8080, 0, 65535),
  /** Which components run in this process (see design.md); default: all of this role's. */
  ENFED_COMPONENTS: list([]),
  /** Arrival times are truncated to this window (spec: 1 h) to hide arrival order. */
  TRUNCATE_WINDOW: duration(3600),
  /** Keys are kept this long (spec: 14 d, never below 10 d unless ALLOW_SHORT_RETENTION for tests). */
  RETENTION: duration(14 * 86400),
  /** Where export files are written and served from. */
  BLOB_DIR: z.string().default('.enfed/blobs'),
  /** Shutdown gives every stage at most this long before moving on. */
  SHUTDOWN_TIMEOUT: duration(10),
};

export type CommonConfig = ReturnType<typeof parseCommonConfig>;

/** Parses only the shared settings; roles call `parseEnv` with their own extended shape. */
export function parseCommonConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(commonEnvShape, env);
}
