import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { FederationTokenConfig } from '../federation-token.config';
import { fetchJwks } from './fetch-jwks';
import { JwksCache } from './jwks-cache';
import { TokenIssuerRepository } from './token-issuer.repository';
import { verifyIdToken, type VerifiedToken } from './verify-id-token';

/** A JWKS download takes at most this long… */
const JWKS_TIMEOUT_MS = 5000;
/** …and this many bytes (Google's set is about 2 KB). */
const JWKS_MAX_BYTES = 256 * 1024;
/** Unknown kids refresh a set at most this often. */
const JWKS_MIN_REFRESH_SECONDS = 30;

/**
 * The process's token verifier: trusted issuers from token_issuers (read per call), their keys from one
 * JwksCache downloaded over HTTPS within fixed bounds.
 */
export function createTokenVerifier(
  pool: pg.Pool,
  config: FederationTokenConfig,
  now: () => Date,
): (token: string) => Promise<VerifiedToken> {
  const issuers = new TokenIssuerRepository(pool);
  const ca = config.FEDERATION_JWKS_CA_PATH ? readFileSync(config.FEDERATION_JWKS_CA_PATH) : undefined;
  const keys = new JwksCache({
    load: (url) => fetchJwks(url, { timeoutMs: JWKS_TIMEOUT_MS, maxBytes: JWKS_MAX_BYTES, ca }),
    ttlSeconds: config.FEDERATION_JWKS_CACHE,
    minRefreshSeconds: Math.min(JWKS_MIN_REFRESH_SECONDS, config.FEDERATION_JWKS_CACHE),
    now,
  });
  return (token) =>
    verifyIdToken(token, {
      jwksUrlOf: async (issuer) => (await issuers.find(issuer))?.jwksUrl,
      keys,
      leewaySeconds: config.FEDERATION_TOKEN_LEEWAY,
      now,
    });
}
