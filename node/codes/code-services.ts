import type { Context } from 'koa';
import type pg from 'pg';
import { clientAddress } from '../../core/http/client-address';
import { closeRedis, connectFailFastRedis } from '../../core/jobs/redis';
import { ServerSecretRepository } from '../../core/secrets/server-secret.repository';
import type { SecretSealer } from '../../core/secrets/secret-sealer';
import type { ComponentContext } from '../../core/server/component';
import type { CommonConfig } from '../../core/config/common.config';
import { ClaimLimiter } from './claim-limiter';
import type { CodesConfig } from './codes.config';
import { OneTimeCodeRepository } from './one-time-code.repository';
import { SecretMac } from './secret-mac';

/** The server secret under which codes, hashed IDs, tokens and client addresses are MACed. */
const MAC_SECRET = 'one-time-code-mac';
const MAC_KEY_BYTES = 32;

/** The MAC of codes, hashed IDs, tokens and clients, under the server key (created on first use). */
export async function loadSecretMac(pool: pg.Pool, sealer: SecretSealer): Promise<SecretMac> {
  return new SecretMac(await new ServerSecretRepository(pool, sealer).get(MAC_SECRET, MAC_KEY_BYTES));
}

/** What every flow that issues or claims codes works with. */
export interface CodeServices {
  codes: OneTimeCodeRepository;
  mac: SecretMac;
  limiter: ClaimLimiter;
  /** The limiter's key for the client of a request (address through CLIENT_IP_PROXIES, keyed-hashed). */
  clientKey(ctx: Context): string;
}

/**
 * Opens the code services for a component: the MAC key from the database, and the limiter's own Redis connection, closed with the
 * server.
 */
export async function openCodeServices(ctx: ComponentContext<CommonConfig & CodesConfig>): Promise<CodeServices> {
  const { config } = ctx;
  const mac = await loadSecretMac(ctx.db.pool, ctx.sealer);
  const redis = connectFailFastRedis(config.REDIS_URL, (err) =>
    ctx.logger.warn({ err: err.message }, 'failed-claim counter: redis connection error'),
  );
  await redis.connect();
  ctx.lifecycle.onStop('claim-limiter', async () => {
    await closeRedis(redis);
  });
  const limiter = new ClaimLimiter(
    redis,
    config.REDIS_PREFIX,
    mac,
    { maxFailures: config.CLAIM_MAX_FAILURES, banSeconds: config.CLAIM_BAN_DURATION },
    ctx.now,
  );
  return {
    codes: new OneTimeCodeRepository(ctx.db.pool),
    mac,
    limiter,
    clientKey: (http) =>
      limiter.clientKey(
        clientAddress(http.req.socket.remoteAddress, http.get('x-forwarded-for'), config.CLIENT_IP_PROXIES),
      ),
  };
}
