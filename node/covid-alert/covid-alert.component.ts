import type { CommonConfig } from '../../core/config/common.config';
import { TtlCache } from '../../core/cache/ttl-cache';
import type { Component } from '../../core/server/component';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { loadExportSigningKeys } from '../../core/signing/signing-keys';
import { openCodeServices } from '../codes/code-services';
import { limitRoutes } from '../codes/client-rate-limit';
import type { CodesConfig } from '../codes/codes.config';
import { KeyPairRepository } from './claim/key-pair.repository';
import type { CovidAlertConfig } from './covid-alert.config';
import { covidAlertMetrics } from './covid-alert.metrics';
import { addCovidAlertRoutes, writeCovidAlertRateLimited } from './covid-alert.routes';
import { ExposureConfigurations } from './exposure-configuration';
import { RetrieveHmac } from './retrieve/retrieve-hmac';
import { UploadKeysRepository } from './upload/upload-keys.repository';

/** How long the active export signing keys are kept in memory for `/retrieve`. */
const SIGNING_KEY_CACHE_MS = 60_000;

/**
 * The COVID Shield / COVID Alert protocol on the node's one-time codes (docs/covid-alert-protocol.md):
 * `/claim-key`, `/upload`, `/retrieve/{region}/{day}/{hmac}`, `/exposure-configuration/{region}.json`, and the job
 * that deletes expired and used-up key pairs. Opt-in: runs when ENFED_COMPONENTS names `covid-alert`. Server
 * private keys are sealed through the SecretSealer (under the KEK when one is configured).
 */
export function covidAlertComponent<C extends CommonConfig & CodesConfig & CovidAlertConfig>(): Component<C> {
  return {
    name: 'covid-alert',
    serves: { traffic: true, jobs: true },
    optIn: true,
    async start(ctx) {
      const { config } = ctx;
      if (config.RETRIEVE_HMAC_KEY === undefined) throw new Error('RETRIEVE_HMAC_KEY is not set');
      const configurations = ExposureConfigurations.load(config.EXPOSURE_CONFIGURATION_FILE);
      const codes = await openCodeServices(ctx);
      const keyPairs = new KeyPairRepository(ctx.db.pool);
      const signingKeys = new TtlCache(
        () => loadExportSigningKeys(new SigningKeyRepository(ctx.db.pool, ctx.sealer), ctx.now(), ctx.signingToken),
        SIGNING_KEY_CACHE_MS,
      );
      await limitRoutes(ctx, codes.mac, {
        group: 'claim',
        paths: ['/claim-key', '/upload'],
        respond: writeCovidAlertRateLimited,
      });
      addCovidAlertRoutes(ctx.router, {
        claim: {
          pool: ctx.db.pool,
          codes,
          keyPairs,
          sealer: ctx.sealer,
          keyBudget: config.COVID_ALERT_KEY_BUDGET,
          validitySeconds: config.COVID_ALERT_KEY_VALIDITY,
          now: ctx.now,
        },
        upload: {
          keyPairs,
          keys: new UploadKeysRepository(ctx.db.pool),
          sealer: ctx.sealer,
          truncateWindowSeconds: config.TRUNCATE_WINDOW,
          now: ctx.now,
        },
        codes,
        retrieve: {
          pool: ctx.db.pool,
          hmac: new RetrieveHmac(config.RETRIEVE_HMAC_KEY),
          signingKeys: () => signingKeys.get('active'),
          servedDays: config.RETRIEVE_DAYS,
          serveCurrentDay: config.RETRIEVE_CURRENT_DAY,
          entirePeriodBundle: config.RETRIEVE_ENTIRE_PERIOD_BUNDLE,
          truncateWindowSeconds: config.TRUNCATE_WINDOW,
        },
        configurations,
        now: ctx.now,
        logger: ctx.logger,
        metrics: covidAlertMetrics(ctx.metrics),
      });
      await ctx.jobs.scheduled('covid-alert-cleanup', config.COVID_ALERT_CLEANUP_INTERVAL, ctx.logger, async () => {
        const deleted = await keyPairs.deleteSpent(ctx.now());
        if (deleted > 0) ctx.logger.info({ keyPairs: deleted }, 'expired or used-up key pairs deleted');
        return deleted;
      });
    },
  };
}
