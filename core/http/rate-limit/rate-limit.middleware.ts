import type { Context, Middleware } from 'koa';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../logging/logger';
import type { Metrics } from '../../metrics/metrics';
import type { RateLimit } from './rate-limit-setting';

/** The stable error code of a limited request. */
export const RATE_LIMITED_CODE = 'rate_limited';

/** Writes the 429 answer in the route group's own shape; Retry-After and the status are already set. */
export type LimitedResponder = (ctx: Context, body: { code: string; error: string }) => void;

/** One group of routes sharing one limit (a route may be limited by one group only). */
export interface RateLimitGroup {
  /** Metric label and part of the Redis key (`publish`, `claim`). */
  name: string;
  /** Null: the group is not limited (the setting is `0`). */
  limit: RateLimit | null;
  /**
   * Who the client is, as an opaque keyed hash of its address: the limiter never sees the address, so
   * neither Redis keys nor logs can hold it.
   */
  clientId: (ctx: Context) => string;
  /** The 429 body; the default is the project's `{ code, error }` JSON. */
  respond?: LimitedResponder;
}

/** What the middlewares of one server share: the Redis connection, the key prefix, logs and metrics. */
export interface RateLimitDeps {
  redis: Redis;
  /** The server's REDIS_PREFIX; keys are `<prefix>:rate-limit:<group>:<client hash>`. */
  prefix: string;
  logger: Logger;
  metrics: Metrics;
}

const jsonResponder: LimitedResponder = (ctx, body) => {
  ctx.body = body;
};

/**
 * Koa middleware limiting a route group per client with rate-limiter-flexible's fixed window in Redis (one
 * atomic Lua call per request, the key expiring with its window). Over the limit: 429 with Retry-After and the
 * stable code `rate_limited`, and the route never runs.
 *
 * Redis unreachable: the request passes (fails open), counted in a metric and logged once per outage, because
 * refusing every upload of keys while Redis restarts would hurt more than a short unlimited spell. Endpoints
 * that must not run uncounted (the failed-claim ban) keep their own fail-closed counter.
 */
export function rateLimitMiddleware(deps: RateLimitDeps, group: RateLimitGroup): Middleware {
  const { limit } = group;
  if (!limit) return (_ctx, next) => next();
  const limiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${deps.prefix}:rate-limit:${group.name}`,
    points: limit.points,
    duration: limit.durationSeconds,
    // Answer at once while the connection is down rather than wait for it.
    rejectIfRedisNotReady: true,
  });
  const limited = deps.metrics.counter(
    'enfed_rate_limited_requests_total',
    'Requests refused with 429 by a rate limit.',
    ['group'],
  );
  const unlimited = deps.metrics.counter(
    'enfed_rate_limit_unavailable_total',
    'Requests let through unlimited because the rate limiter could not reach Redis.',
    ['group'],
  );
  const respond = group.respond ?? jsonResponder;
  let outage = false;

  return async (ctx, next) => {
    let refused: RateLimiterRes | undefined;
    try {
      await limiter.consume(group.clientId(ctx), 1);
      if (outage) {
        outage = false;
        deps.logger.info({ group: group.name }, 'rate limiter: redis is back; limits apply again');
      }
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        refused = err;
      } else {
        unlimited.inc({ group: group.name });
        if (!outage) {
          outage = true;
          const message = err instanceof Error ? err.message : String(err);
          deps.logger.warn(
            { group: group.name, err: message },
            'rate limiter: redis unavailable; requests pass unlimited',
          );
        }
      }
    }
    if (refused) {
      limited.inc({ group: group.name });
      ctx.status = 429;
      ctx.set('retry-after', String(Math.max(1, Math.ceil(refused.msBeforeNext / 1000))));
      respond(ctx, { code: RATE_LIMITED_CODE, error: 'too many requests; retry later' });
      return;
    }
    await next();
  };
}
