import Router from '@koa/router';
import type { EntitySchema } from '@mikro-orm/core';
import Koa from 'koa';
import type { CommonConfig } from '../config/common.config';
import { migrate, openDatabase, type Database } from '../db/database';
import { addHealthRoutes } from '../http/health.routes';
import { errorMiddleware } from '../http/error-middleware';
import { listen } from '../http/http-server';
import { createRedis, pingRedis } from '../jobs/redis';
import { Lifecycle } from '../lifecycle/lifecycle';
import { createLogger, type Logger } from '../logging/logger';
import { httpMetricsMiddleware } from '../metrics/http-metrics.middleware';
import { Metrics } from '../metrics/metrics';
import { addMetricsRoute } from '../metrics/metrics.routes';
import type { Component, ComponentContext } from './component';

export interface KeyServerOptions<C extends CommonConfig> {
  role: 'node' | 'hub';
  config: C;
  components: Component<C>[];
  logger?: Logger;
  now?: () => Date;
  /** The MikroORM entities of the role's capabilities (the node's publish trust configuration). */
  entities?: readonly EntitySchema[];
  /** Apply pending migrations before starting (default true; production may migrate separately). */
  migrate?: boolean;
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
 * The shared composition of node and hub: database, Redis, HTTP app, then the role's components, then the
 * HTTP listener. Shutdown is the reverse: stop accepting HTTP, stop components (gRPC, workers), close
 * Redis and the database.
 */
export async function startKeyServer<C extends CommonConfig>(
  options: KeyServerOptions<C>,
): Promise<RunningKeyServer<C>> {
  const { config, role } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, name: role });
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT * 1000);
  try {
    const db = await openDatabase(config.DATABASE_URL, logger, {
      poolSize: config.DATABASE_POOL_SIZE,
      entities: options.entities,
    });
    lifecycle.onStop('database', () => db.close());
    if (options.migrate !== false) {
      const applied = await migrate(db.orm);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }

    const redis = createRedis(config.REDIS_URL);
    // ioredis reconnects by itself; an outage shows in /readyz and here, never as an unhandled event.
    redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    lifecycle.onStop('redis', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    await pingRedis(redis);

    const metrics = new Metrics();
    const router = new Router();
    addMetricsRoute(router, metrics);
    addHealthRoutes(router, {
      postgres: async () => {
        await db.pool.query('select 1');
      },
      redis: () => pingRedis(redis, 1000),
    });
    const context: ComponentContext<C> = {
      role,
      config,
      logger,
      db,
      redis,
      router,
      lifecycle,
      metrics,
      now: options.now ?? (() => new Date()),
      addresses: {},
    };
    const wanted = config.ENFED_COMPONENTS;
    for (const component of options.components) {
      if (wanted.length > 0 && !wanted.includes(component.name)) continue;
      await component.start({ ...context, logger: logger.child({ component: component.name }) });
      logger.debug({ component: component.name }, 'component started');
    }

    const app = new Koa();
    app.proxy = false;
    app.use(httpMetricsMiddleware(metrics));
    app.use(errorMiddleware(logger));
    app.use(router.routes());
    app.use(router.allowedMethods());
    const http = await listen(app, config.HTTP_HOST, config.HTTP_PORT);
    lifecycle.onStop('http', () => http.close());
    context.addresses.http = http.url;
    logger.info({ http: http.url, ...context.addresses }, `${role} started`);

    return { httpUrl: http.url, addresses: context.addresses, context, db, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
