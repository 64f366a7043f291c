import { z } from 'zod';
import { configSection, parseSections, type ConfigOf } from './config-section';
import { kekRules, kekSettings } from '../secrets/kek.config';
import { pkcs11Rules, pkcs11Settings } from '../signing/pkcs11.config';
import { tracingSettings } from '../tracing/tracing.config';
import { duration, flag, integer, list, url } from './env';

/**
 * Settings every enfed process shares (node and hub alike). Production defaults follow docs/; the timing
 * settings can be compressed to seconds for tests and demos.
 */
export const commonConfig = configSection(
  {
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
    /** json (one object per line), pretty (readable lines) or auto (pretty on a terminal, else json). */
    LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),
    /** This server's name in every log line (e.g. node-wa); tells several servers' lines apart. Default: the role. */
    ENFED_INSTANCE: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)')
      .optional(),
    HTTP_HOST: z.string().default('127.0.0.1'),
    HTTP_PORT: integer(8080, 0, 65535),
    /** A client must send its request head within this (a stalled client is cut). */
    HTTP_HEADERS_TIMEOUT: duration(10),
    /** … and its whole request, body included, within this. */
    HTTP_REQUEST_TIMEOUT: duration(30),
    /** An idle keep-alive connection is closed after this. */
    HTTP_KEEP_ALIVE_TIMEOUT: duration(5),
    /** HTTP connections open at once; more are refused (a load balancer in front spreads them). */
    HTTP_MAX_CONNECTIONS: integer(10_000, 1, 1_000_000),
    /**
     * Which components run in this process; default: all of this role's except the opt-in ones (a state's codes and
     * app protocols), which run only when named here (checked against the role's names).
     */
    ENFED_COMPONENTS: list([]),
    /** Arrival times are truncated to this window (docs/publish-api.md: 1 h) to hide arrival order. */
    TRUNCATE_WINDOW: duration(3600),
    /** Keys are kept this long (docs/publish-api.md: 14 d, never below 10 d unless ALLOW_SHORT_RETENTION for tests). */
    RETENTION: duration(14 * 86400),
    /** Where export files are written and served from. */
    BLOB_DIR: z.string().default('.enfed/blobs'),
    /**
     * Whether `enfed node`/`enfed hub` apply pending migrations at start. Set false where the migration runs once
     * on its own (`enfed migrate`, a Kubernetes Job), so replicas starting together do not all migrate.
     */
    MIGRATE_ON_START: flag(true),
    /** How long start-up waits for PostgreSQL and Redis to answer before it exits naming the one at fault. */
    STARTUP_DEPENDENCY_TIMEOUT: duration(15),
    /** How often the job schedules are checked in Redis (and registered again if Redis lost them). */
    JOB_SCHEDULE_CHECK_INTERVAL: duration(30),
    /** Shutdown gives every stage at most this long before moving on. */
    SHUTDOWN_TIMEOUT: duration(10),
    ...kekSettings,
    ...pkcs11Settings,
    ...tracingSettings,
  },
  [...kekRules, ...pkcs11Rules],
);

export type CommonConfig = ConfigOf<typeof commonConfig>;

/** Parses only the shared settings (the admin commands and `migrate` need no more). */
export function parseCommonConfig(env: NodeJS.ProcessEnv): CommonConfig {
  return parseSections([commonConfig], env);
}
