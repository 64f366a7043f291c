import { z } from 'zod';
import { configSection, parseSections, type ConfigOf } from './config-section';
import { duration, integer, list, url } from './env';

/**
 * Settings every enfed process shares (node and hub alike). Production defaults follow docs/; the timing
 * settings can be compressed to seconds for tests and demos.
 */
export const commonConfig = configSection({
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/enfed', ['postgres:', 'postgresql:']),
  /** Connections in the bulk pool (and the ORM's pool) of this process. */
  DATABASE_POOL_SIZE: integer(10, 2, 500),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  /** Prefix of every BullMQ key; one per server (a prefix used by another server is refused at start). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, : _ -')
    .default('enfed'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: integer(8080, 0, 65535),
  /** Which components run in this process; default: all of this role's (checked against the role's names). */
  ENFED_COMPONENTS: list([]),
  /** Arrival times are truncated to this window (docs/publish-api.md: 1 h) to hide arrival order. */
  TRUNCATE_WINDOW: duration(3600),
  /** Keys are kept this long (docs/publish-api.md: 14 d, never below 10 d unless ALLOW_SHORT_RETENTION for tests). */
  RETENTION: duration(14 * 86400),
  /** Where export files are written and served from. */
  BLOB_DIR: z.string().default('.enfed/blobs'),
  /** Shutdown gives every stage at most this long before moving on. */
  SHUTDOWN_TIMEOUT: duration(10),
});

export type CommonConfig = ConfigOf<typeof commonConfig>;

/** Parses only the shared settings (the admin commands and `migrate` need no more). */
export function parseCommonConfig(env: NodeJS.ProcessEnv): CommonConfig {
  return parseSections([commonConfig], env);
}
