import { z } from 'zod';
import type { CommonConfig } from '../../core/config/common.config';
import { configRule, configSection, type ConfigOf } from '../../core/config/config-section';
import { duration, integer } from '../../core/config/env';
import type { RateLimitConfig } from '../../core/http/rate-limit/rate-limit.config';
import { ClaimTokens } from './claim-tokens';
import { CODE_FORMATS } from './code-format';

/**
 * Environment of the one-time codes shared by both kinds of app (docs/one-time-codes.md). The claim limits
 * (failures, ban) apply to every flow that claims a code: `/claim-key` and `/api/verify`.
 */
export const codesConfig = configSection(
  {
    /**
     * Secret. Who may ask for codes: `token=REGION` pairs separated by `:` (the reference's KEY_CLAIM_TOKEN), e.g.
     * `case-system-token-of-20+-chars=302:other-token-of-20-chars=ON`. Required when the codes component runs.
     */
    NEW_KEY_CLAIM_TOKENS: z.string().optional(),
    /** `alert` (10 characters, 3-3-4 groups; default) or `shield` (8 digits). */
    CODE_FORMAT: z.enum(CODE_FORMATS).default('alert'),
    /** How long an unclaimed code is valid (COVID Alert: 24 h; COVID Shield: 10 min). */
    CODE_LIFETIME: duration(86400),
    /** Failed claims in a row before a client is banned (COVID Alert: 50; COVID Shield: 8). */
    CLAIM_MAX_FAILURES: integer(50, 1, 10_000),
    /** How long a ban lasts after the last failure, and how long failures are remembered (reference: 1 h). */
    CLAIM_BAN_DURATION: duration(3600),
    /** How long a hashed ID whose code was claimed cannot get another code (the key pair's validity, 15 d). */
    CLAIMED_HASH_ID_RETENTION: duration(15 * 86400),
    /** How often expired codes are deleted (reference: 30 s). */
    CODES_CLEANUP_INTERVAL: duration(30),
  },
  [
    configRule<{ NEW_KEY_CLAIM_TOKENS?: string; ENFED_COMPONENTS: string[] }>(
      ['NEW_KEY_CLAIM_TOKENS', 'ENFED_COMPONENTS'],
      (c) => {
        if (c.NEW_KEY_CLAIM_TOKENS === undefined) {
          return c.ENFED_COMPONENTS.includes('codes')
            ? 'NEW_KEY_CLAIM_TOKENS: required by the codes component (token=REGION pairs separated by :)'
            : undefined;
        }
        const { problems } = ClaimTokens.parse(c.NEW_KEY_CLAIM_TOKENS);
        return problems.length > 0 ? `NEW_KEY_CLAIM_TOKENS: ${problems.join('; ')}` : undefined;
      },
    ),
    configRule<{ CODE_LIFETIME: number; CLAIM_BAN_DURATION: number }>(['CODE_LIFETIME', 'CLAIM_BAN_DURATION'], (c) =>
      c.CODE_LIFETIME < 1
        ? 'CODE_LIFETIME: must be positive'
        : c.CLAIM_BAN_DURATION < 1
          ? 'CLAIM_BAN_DURATION: must be positive'
          : undefined,
    ),
  ],
);

/** The client is counted through CLIENT_IP_PROXIES, which moved to the rate limits shared with publish. */
export type CodesConfig = ConfigOf<typeof codesConfig> &
  Pick<CommonConfig, 'REDIS_URL' | 'REDIS_PREFIX'> &
  RateLimitConfig;
