import Router from '@koa/router';
import type { EntitySchema } from '@mikro-orm/core';
import Koa from 'koa';
import type { CommonConfig } from '../config/common.config';
import { migrate, openDatabase, type Database } from '../db/database';
import { serverIdentity } from '../db/server-identity';
import { errorMiddleware } from '../http/error-middleware';
import { addHealthRoutes } from '../http/health.routes';
import { listen } from '../http/http-server';
import { Jobs } from '../jobs/jobs';
import { closeRedis, createRedis, pingRedis } from '../jobs/redis';
import { claimRedisPrefix } from '../jobs/redis-prefix-owner';
import { ScheduleKeeper } from '../jobs/schedule-keeper';
import { Lifecycle } from '../lifecycle/lifecycle';
import { createLogger, type Logger } from '../logging/logger';
import { httpMetricsMiddleware } from '../metrics/http-metrics.middleware';
import { Metrics } from '../metrics/metrics';
import { addMetricsRoute } from '../metrics/metrics.routes';
import type { Component, ComponentContext } from './component';
import { checkDependencies } from './dependency-checks';
import { openSecretSealer } from '../secrets/open-sealer';
import { prepareSecrets } from '../secrets/prepare-secrets';
import { Pkcs11Token } from '../signing/pkcs11-token';
import { startTracing } from '../tracing/start-tracing';
import { declareDependencyGauge } from './dependency.metrics';

export interface KeyServerOptions<C extends CommonConfig> {
  role: 'node' | 'hub';
  config: C;
  components: Component<C>[];
  /** The MikroORM entities of the role's capabilities (the node's publish trust configuration). */
  entities?: readonly EntitySchema[];
  logger?: Logger;
  now?: () => Date;
  /** Apply pending migrations before starting (default: MIGRATE_ON_START; production may migrate separately). */
  migrate?: boolean;
  /** Where `env:` secret references (KEK, PKCS11_PIN) are resolved: the environment the config came from. */
  env?: NodeJS.ProcessEnv;
}

/** A started node or hub. */
export interface RunningKeyServer<C extends CommonConfig = CommonConfig> {
  httpUrl: string;
  addresses: Record<string, string>;
  context: ComponentContext<C>;
  db: Database;
  stop(): Promise<void>;
}

/**
 * The shared composition of node and hub: wait for PostgreSQL and Redis (bounded, naming the variable at
 * fault), open the database, claim the Redis prefix, then the role's components, then the HTTP listener.
 * Shutdown is the reverse: stop accepting HTTP, stop components (gRPC, workers), close Redis and the database.
 */
export async function startKeyServer<C extends CommonConfig>(
  options: KeyServerOptions<C>,
): Promise<RunningKeyServer<C>> {
  const { config, role } = options;
  const logger =
    options.logger ??
    createLogger({ level: config.LOG_LEVEL, name: role, instance: config.ENFED_INSTANCE, format: config.LOG_FORMAT });
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT * 1000);
  // First, so that its flush is the last shutdown stage.
  startTracing(config, role, lifecycle, logger);
  const wanted = config.ENFED_COMPONENTS;
  const components = options.components.filter((c) => (wanted.length === 0 ? !c.optIn : wanted.includes(c.name)));
  try {
    // The KEK is resolved before anything is opened: a missing or malformed one stops start-up, naming where it looked.
    const sealer = await openSecretSealer(config, options.env ?? process.env);
    const signingToken = await Pkcs11Token.open(config, options.env ?? process.env);
    if (signingToken) {
      lifecycle.onStop('pkcs11 token', () => signingToken.close());
      logger.info({ token: signingToken.tokenLabel }, 'export signing keys may be in the PKCS#11 token');
    }
    await checkDependencies(config, config.STARTUP_DEPENDENCY_TIMEOUT * 1000);
    const db = await openDatabase(config.DATABASE_URL, logger, {
      poolSize: config.DATABASE_POOL_SIZE,
      entities: options.entities,
    });
    lifecycle.onStop('database', () => db.close());
    if (options.migrate ?? config.MIGRATE_ON_START) {
      const applied = await migrate(db.orm);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    await prepareSecrets(db.pool, sealer, logger);

    const redis = createRedis(config.REDIS_URL);
    // ioredis reconnects by itself; an outage shows in /readyz and here, never as an unhandled event.
    redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    lifecycle.onStop('redis', async () => {
      await closeRedis(redis);
    });
    const owner = {
      serverId: await serverIdentity(db.pool),
      role,
      instance: config.ENFED_INSTANCE ?? role,
      database: new URL(config.DATABASE_URL).pathname.slice(1),
    };
    const claim = () => claimRedisPrefix(redis, config.REDIS_PREFIX, owner);
    await claim();

    const metrics = new Metrics();
    const keeper = new ScheduleKeeper(redis, logger, config.JOB_SCHEDULE_CHECK_INTERVAL * 1000, claim);
    const jobs = new Jobs({ prefix: config.REDIS_PREFIX, connection: redis, metrics, keeper });
    lifecycle.onStop('jobs', async () => {
      keeper.stop();
      await jobs.close();
    });
    const router = new Router();
    addMetricsRoute(router, metrics);
    const dependencies = {
      postgres: async () => {
        await db.pool.query('select 1');
      },
      redis: () => pingRedis(redis, 1000),
    };
    declareDependencyGauge(metrics, dependencies);
    addHealthRoutes(router, {
      checks: {
        ...dependencies,
        schedules: async () => {
          const missing = await keeper.missing();
          if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`);
        },
      },
      traffic: ['postgres'],
      jobs: ['postgres', 'redis', 'schedules'],
      servesTraffic: components.some((c) => c.serves.traffic),
    });
    const context: ComponentContext<C> = {
      role,
      config,
      logger,
      db,
      redis,
      jobs,
      router,
      lifecycle,
      metrics,
      sealer,
      signingToken,
      now: options.now ?? (() => new Date()),
      addresses: {},
    };
    for (const component of components) {
      await component.start({ ...context, logger: logger.child({ component: component.name }) });
      logger.debug({ component: component.name }, 'component started');
    }

    const app = new Koa();
    app.proxy = false;
    // koa's own handler would print a multi-line stack for errors outside a request's response (a client gone
    // mid-body, a stalled connection cut by the timeouts); one JSON line is enough.
    app.silent = true;
    app.on('error', (err: Error & { code?: string }) =>
      logger.info({ err: err.message, code: err.code }, 'http connection error'),
    );
    app.use(httpMetricsMiddleware(metrics));
    app.use(errorMiddleware(logger));
    app.use(router.routes());
    app.use(router.allowedMethods());
    const http = await listen(app, config.HTTP_HOST, config.HTTP_PORT, logger, {
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT * 1000,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT * 1000,
      keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT * 1000,
      maxConnections: config.HTTP_MAX_CONNECTIONS,
    });
    lifecycle.onStop('http', () => http.close());
    context.addresses.http = http.url;
    logger.info({ http: http.url, ...context.addresses }, `${role} started`);

    return { httpUrl: http.url, addresses: context.addresses, context, db, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
