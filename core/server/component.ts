import type Router from '@koa/router';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '../config/common.config';
import type { Database } from '../db/database';
import type { Jobs } from '../jobs/jobs';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import type { SecretSealer } from '../secrets/secret-sealer';
import type { Pkcs11Token } from '../signing/pkcs11-token';

/** What a component gets to start with. Everything is per server instance: no module singletons. */
export interface ComponentContext<C extends CommonConfig = CommonConfig> {
  role: 'node' | 'hub';
  config: C;
  logger: Logger;
  db: Database;
  /** Shared Redis connection (BullMQ takes its connection settings from it). */
  redis: Redis;
  /** This server's job queues: scheduled work, kept registered in Redis, closed at shutdown. */
  jobs: Jobs;
  /** The HTTP router of this process; components add their routes before the server listens. */
  router: Router;
  lifecycle: Lifecycle;
  /** This server's Prometheus registry; components declare their counters here (see core/metrics/metrics.ts). */
  metrics: Metrics;
  /** Seals and opens every secret kept in PostgreSQL (the KEK, resolved once at start-up; docs/secrets.md). */
  sealer: SecretSealer;
  /** The PKCS#11 token export signing keys may live in (PKCS11_*), opened at start-up; undefined without an HSM. */
  signingToken: Pkcs11Token | undefined;
  /** The clock; tests pass a fixed or shifted one. */
  now: () => Date;
  /** Addresses a component listens on (e.g. `grpc`), reported by the running server. */
  addresses: Record<string, string>;
}

/**
 * One capability of a server (publish, export, federation-out, federation-in, cleanup, …).
 * `start` registers its routes, schedules and listeners, and registers its own stop with `ctx.lifecycle`.
 */
export interface Component<C extends CommonConfig = CommonConfig> {
  name: string;
  /**
   * What it serves, for readiness: `traffic` (HTTP or gRPC requests, which need PostgreSQL) and/or `jobs`
   * (scheduled work, which needs Redis and its schedules as well).
   */
  serves: { traffic: boolean; jobs: boolean };
  /**
   * Runs only when ENFED_COMPONENTS names it (not in the default "every component" set): a capability that only
   * some deployments want, such as a state's one-time codes and the COVID Shield/Alert protocol.
   */
  optIn?: boolean;
  start(ctx: ComponentContext<C>): Promise<void>;
}
