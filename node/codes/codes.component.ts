import type { CommonConfig } from '../../core/config/common.config';
import type { Component } from '../../core/server/component';
import { ClaimTokens } from './claim-tokens';
import type { CodesConfig } from './codes.config';
import { codesMetrics } from './codes.metrics';
import { OneTimeCodeRepository } from './one-time-code.repository';
import { addNewKeyClaimRoutes } from './new-key-claim.routes';
import { loadSecretMac } from './code-services';
import { limitRoutes } from './client-rate-limit';

/**
 * One-time codes (docs/one-time-codes.md): `/new-key-claim` for case workers' systems, and the job that deletes
 * expired codes and old claimed hashed IDs. Opt-in: a node runs it when ENFED_COMPONENTS names `codes`. The
 * codes are claimed by the covid-alert and device-api components.
 */
export function codesComponent<C extends CommonConfig & CodesConfig>(): Component<C> {
  return {
    name: 'codes',
    serves: { traffic: true, jobs: true },
    optIn: true,
    async start(ctx) {
      const { config } = ctx;
      // The config rules made sure the tokens are set and parse when this component runs.
      const { tokens } = ClaimTokens.parse(config.NEW_KEY_CLAIM_TOKENS ?? '');
      if (!tokens) throw new Error('NEW_KEY_CLAIM_TOKENS is not set');
      const codes = new OneTimeCodeRepository(ctx.db.pool);
      const mac = await loadSecretMac(ctx.db.pool, ctx.sealer);
      // Plain text like every other /new-key-claim answer.
      await limitRoutes(ctx, mac, {
        group: 'claim',
        paths: ['/new-key-claim'],
        respond: (http) => {
          http.type = 'text/plain; charset=utf-8';
          http.body = 'too many requests\n';
        },
      });
      addNewKeyClaimRoutes(ctx.router, {
        codes,
        mac,
        format: config.CODE_FORMAT,
        lifetimeSeconds: config.CODE_LIFETIME,
        now: ctx.now,
        tokens,
        logger: ctx.logger,
        metrics: codesMetrics(ctx.metrics),
      });
      await ctx.jobs.scheduled('codes-cleanup', config.CODES_CLEANUP_INTERVAL, ctx.logger, async () => {
        const now = ctx.now();
        const deleted = await codes.deleteExpired(
          now,
          new Date(now.getTime() - config.CLAIMED_HASH_ID_RETENTION * 1000),
        );
        if (deleted.codes > 0 || deleted.hashIds > 0) ctx.logger.info(deleted, 'expired one-time codes deleted');
        return deleted;
      });
    },
  };
}
