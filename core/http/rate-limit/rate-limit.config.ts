import { z } from 'zod';
import { configSection, type ConfigOf } from '../../config/config-section';
import { integer } from '../../config/env';
import { parseRateLimit, RATE_LIMIT_FORMAT } from './rate-limit-setting';

/** A `POINTS/WINDOW` setting (e.g. `60/1m`), or `0` to switch the limit off. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((text) => parseRateLimit(text) !== undefined, { message: `expected ${RATE_LIMIT_FORMAT}` });

/**
 * Request rate limits per client on the public endpoints (docs/rate-limits.md), counted in Redis. A client is
 * its address as seen through CLIENT_IP_PROXIES, kept only as a keyed hash.
 */
export const rateLimitConfig = configSection({
  /** Reverse proxies in front of the node that append to X-Forwarded-For (0: the socket's peer is the client). */
  CLIENT_IP_PROXIES: integer(0, 0, 10),
  /** Requests per client to `POST /v1/publish` (e.g. `60/1m`; `0` disables). */
  RATE_LIMIT_PUBLISH: rateLimit('60/1m'),
  /** Requests per client to the code endpoints (`/new-key-claim`, `/claim-key`, `/upload`, `/api/verify`, `/api/certificate`). */
  RATE_LIMIT_CLAIM: rateLimit('120/1m'),
});

export type RateLimitConfig = ConfigOf<typeof rateLimitConfig>;
