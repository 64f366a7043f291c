import { createHash } from 'node:crypto';
import { TtlCache } from '../../core/cache/ttl-cache';
import type { CommonConfig } from '../../core/config/common.config';
import type { Component } from '../../core/server/component';
import { openCodeServices } from '../codes/code-services';
import { limitRoutes } from '../codes/client-rate-limit';
import type { CodesConfig } from '../codes/codes.config';
import { codesMetrics } from '../codes/codes.metrics';
import type { DeviceApiConfig } from './device-api.config';
import { addDeviceApiRoutes } from './device-api.routes';
import { DeviceKeyRepository } from './keys/device-key.repository';
import { TokenRepository } from './token.repository';

/** How long the current signing key is kept in memory. */
const SIGNING_KEY_CACHE_MS = 30_000;

/**
 * The device API of the reference verification server (docs/device-api.md) on the node's one-time codes:
 * `/api/verify` and `/api/certificate`, and the job that deletes expired tokens. Certificates are signed with the
 * node's own health-authority key (`enfed admin device-api key create`), which its publish path trusts. Opt-in:
 * runs when ENFED_COMPONENTS names `device-api`.
 */
export function deviceApiComponent<C extends CommonConfig & CodesConfig & DeviceApiConfig>(): Component<C> {
  return {
    name: 'device-api',
    serves: { traffic: true, jobs: true },
    optIn: true,
    async start(ctx) {
      const { config } = ctx;
      const codes = await openCodeServices(ctx);
      const tokens = new TokenRepository(ctx.db.pool);
      const keys = new DeviceKeyRepository(ctx.db.pool, ctx.sealer);
      const signingKey = new TtlCache(
        () => keys.current(ctx.now(), config.DEVICE_API_KEY_ACTIVATION_DELAY),
        SIGNING_KEY_CACHE_MS,
      );
      if (!(await keys.current(ctx.now(), 0))) {
        ctx.logger.warn(
          'device-api: no signing key yet; /api/certificate fails until `enfed admin device-api key create`',
        );
      }
      // The device API's error shape carries the code as errorCode (and error_code) beside the message.
      await limitRoutes(ctx, codes.mac, {
        group: 'claim',
        paths: ['/api/verify', '/api/certificate'],
        respond: (http, body) => {
          http.body = { error: body.error, errorCode: body.code, error_code: body.code };
        },
      });
      addDeviceApiRoutes(ctx.router, {
        verify: {
          pool: ctx.db.pool,
          codes,
          tokens,
          tokenDurationSeconds: config.VERIFICATION_TOKEN_DURATION,
          now: ctx.now,
        },
        certificate: {
          pool: ctx.db.pool,
          mac: codes.mac,
          tokens,
          signingKey: () => signingKey.get('current'),
          certificateDurationSeconds: config.CERTIFICATE_DURATION,
          now: ctx.now,
        },
        codes,
        apiKeys: config.DEVICE_API_KEYS.map((k) => createHash('sha256').update(k).digest()),
        logger: ctx.logger,
        metrics: codesMetrics(ctx.metrics),
      });
      await ctx.jobs.scheduled('device-api-cleanup', config.DEVICE_API_CLEANUP_INTERVAL, ctx.logger, async () => {
        const deleted = await tokens.deleteExpired(ctx.now());
        if (deleted > 0) ctx.logger.info({ tokens: deleted }, 'expired verification tokens deleted');
        return deleted;
      });
    },
  };
}
