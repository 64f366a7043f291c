import { configSection, type ConfigOf } from '../../../core/config/config-section';
import { duration, integer } from '../../../core/config/env';

/**
 * The JWKS refresher of the publish component (docs/health-authority-keys.md): health authorities with a
 * jwks_uri have their keys fetched on this schedule. Defaults follow the reference key server.
 */
export const jwksConfig = configSection({
  /** How often every jwks_uri is fetched (default 5 min). */
  JWKS_REFRESH_INTERVAL: duration(300),
  /** Longest wait for one whole JWKS document (default 30 s, as the reference). */
  JWKS_REQUEST_TIMEOUT: duration(30),
  /** Largest JWKS document read, in bytes (default 64 KiB); a larger one is a failed refresh. */
  JWKS_MAX_BYTES: integer(65_536, 1_024, 10_000_000),
  /** Keys of a JWKS authority revoked longer ago than this are deleted (default 30 d, as the reference). */
  JWKS_KEY_CLEANUP_TTL: duration(30 * 86400),
  /** Documents fetched at once (default 5, as the reference). */
  JWKS_MAX_WORKERS: integer(5, 1, 50),
});

/** The JWKS settings, as parsed. */
export type JwksConfig = ConfigOf<typeof jwksConfig>;
