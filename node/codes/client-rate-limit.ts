import type { Context } from 'koa';
import { clientAddress } from '../../core/http/client-address';
import { closeRedis, connectFailFastRedis } from '../../core/jobs/redis';
import { rateLimitMiddleware, type LimitedResponder } from '../../core/http/rate-limit/rate-limit.middleware';
import type { RateLimitConfig } from '../../core/http/rate-limit/rate-limit.config';
import { parseRateLimit } from '../../core/http/rate-limit/rate-limit-setting';
import type { CommonConfig } from '../../core/config/common.config';
import type { ComponentContext } from '../../core/server/component';
import type { SecretMac } from './secret-mac';

/**
 * The client of a request as the limiters know it: its address through CLIENT_IP_PROXIES, MACed under the
 * server key of the one-time codes (the same keyed hash the failed-claim counter uses), 32 hex characters.
 */
export function clientIdOf(mac: SecretMac, trustedProxies: number): (ctx: Context) => string {
  return (ctx) =>
    mac
      .mac('client', clientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for'), trustedProxies))
      .subarray(0, 16)
      .toString('hex');
}

/** A group of public routes limited together per client (docs/rate-limits.md). */
export interface LimitedRoutes {
  group: 'publish' | 'claim';
  /** Path prefixes the limit applies to; registered before the routes themselves. */
  paths: string[];
  respond?: LimitedResponder;
}

/**
 * Puts a rate limit in front of `routes` on the component's router, with its own Redis connection closed with
 * the server. `mac` may be a loader, called only when the limit is on. Must be called before the routes are added, so the limit runs first. Nothing when the group's
 * setting is `0`.
 */
export async function limitRoutes(
  ctx: ComponentContext<CommonConfig & RateLimitConfig>,
  mac: SecretMac | (() => Promise<SecretMac>),
  routes: LimitedRoutes,
): Promise<void> {
  const { config } = ctx;
  const limit = parseRateLimit(routes.group === 'publish' ? config.RATE_LIMIT_PUBLISH : config.RATE_LIMIT_CLAIM);
  if (!limit) return;
  // Loaded only when the limit is on, so a node without limits creates no server secret for it.
  const clientMac = typeof mac === 'function' ? await mac() : mac;
  // Connection errors are logged once per outage by the middleware itself; ioredis repeats them on each retry.
  const redis = connectFailFastRedis(config.REDIS_URL, () => undefined);
  redis.connect().catch(() => undefined);
  ctx.lifecycle.onStop(`rate-limit-${routes.group}`, async () => {
    await closeRedis(redis);
  });
  const middleware = rateLimitMiddleware(
    { redis, prefix: config.REDIS_PREFIX, logger: ctx.logger, metrics: ctx.metrics },
    {
      name: routes.group,
      limit,
      clientId: clientIdOf(clientMac, config.CLIENT_IP_PROXIES),
      ...(routes.respond ? { respond: routes.respond } : {}),
    },
  );
  ctx.router.use(routes.paths, middleware);
}
