import { z } from 'zod';
import type { CommonConfig } from '../../core/config/common.config';
import { configRule, configSection, type ConfigOf } from '../../core/config/config-section';
import { duration, flag, integer } from '../../core/config/env';

/**
 * Environment of the COVID Shield / COVID Alert protocol (docs/covid-alert-protocol.md). Defaults are COVID
 * Alert's production values.
 */
export const covidAlertConfig = configSection(
  {
    /** Keys one claimed key pair may upload in all (COVID Alert: 43 = 15 first + 2 × 14 days). */
    COVID_ALERT_KEY_BUDGET: integer(43, 1, 1000),
    /** How long a claimed key pair can upload, from UTC midnight of its code's issue day (reference: 15 d). */
    COVID_ALERT_KEY_VALIDITY: duration(15 * 86400),
    /**
     * Secret. The retrieve HMAC key, hex, at least 64 hex digits (32 bytes), as the app is built with it
     * (reference: RETRIEVE_HMAC_KEY). Required when the covid-alert component runs.
     */
    RETRIEVE_HMAC_KEY: z.string().optional(),
    /** Days before today that `/retrieve` still serves (reference: 14; older days answer 410). */
    RETRIEVE_DAYS: integer(14, 1, 60),
    /** Serve today's keys of closed windows too (COVID Alert in production); otherwise today is 404 (Shield). */
    RETRIEVE_CURRENT_DAY: flag(true),
    /** Serve day `00000` as the last RETRIEVE_DAYS + 1 days before today in one file (COVID Alert's bundle). */
    RETRIEVE_ENTIRE_PERIOD_BUNDLE: flag(true),
    /**
     * A JSON file mapping regions to exposure configurations for `/exposure-configuration/{region}.json`; the
     * entry `"*"` serves every other region. Without it every region gets the COVID Alert app's defaults.
     */
    EXPOSURE_CONFIGURATION_FILE: z.string().optional(),
    /** How often expired and used-up key pairs are deleted (reference: 30 s). */
    COVID_ALERT_CLEANUP_INTERVAL: duration(30),
  },
  [
    configRule<{ RETRIEVE_HMAC_KEY?: string; ENFED_COMPONENTS: string[] }>(
      ['RETRIEVE_HMAC_KEY', 'ENFED_COMPONENTS'],
      (c) => {
        if (c.RETRIEVE_HMAC_KEY === undefined) {
          return c.ENFED_COMPONENTS.includes('covid-alert')
            ? 'RETRIEVE_HMAC_KEY: required by the covid-alert component (at least 64 hex digits)'
            : undefined;
        }
        return /^([0-9a-fA-F]{2}){32,}$/.test(c.RETRIEVE_HMAC_KEY)
          ? undefined
          : 'RETRIEVE_HMAC_KEY: expected at least 64 hex digits (32 bytes), an even count';
      },
    ),
  ],
);

export type CovidAlertConfig = ConfigOf<typeof covidAlertConfig> & Pick<CommonConfig, 'TRUNCATE_WINDOW'>;
