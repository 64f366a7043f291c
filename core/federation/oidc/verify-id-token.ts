import { verify, type KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '../../errors/app-error';
import { parseCompactJwt } from './compact-jwt';
import type { TokenAlgorithm } from './fetch-jwks';
import type { JwksCache } from './jwks-cache';

/** What a verified ID token says about its holder. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  /** `aud` as a list (a string `aud` becomes one entry). */
  audiences: string[];
}

export interface VerifyIdTokenDeps {
  /** The JWKS URL of a trusted issuer, or undefined when the issuer is not trusted. */
  jwksUrlOf: (issuer: string) => Promise<string | undefined>;
  keys: JwksCache;
  leewaySeconds: number;
  now: () => Date;
}

/** Longest lifetime (exp − iat) accepted: ID tokens live an hour; a long-lived one is a leak waiting to happen. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

const ALGORITHMS: ReadonlySet<string> = new Set<TokenAlgorithm>(['ES256', 'RS256']);

function refuse(message: string, code: string): never {
  throw new UnauthenticatedError(message, code);
}

function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) refuse(`the token has no valid ${name}`, 'token_malformed');
  return value;
}

/**
 * Verifies an OIDC ID token (compact JWS) against its issuer's published keys. The algorithm must be ES256 or
 * RS256 and must match the published key's type, so `none` and HS256-with-a-public-key confusions are refused
 * before any key is used. The issuer must be trusted and the signature must verify before any other claim is
 * believed; then exp, iat and nbf are checked with the leeway, and a lifetime over 24 h is refused. The audience is returned for the caller to match
 * against the partner's authorization. Errors say what failed, never the token.
 */
export async function verifyIdToken(token: string, deps: VerifyIdTokenDeps): Promise<VerifiedToken> {
  const jwt = parseCompactJwt(token);
  const { alg, kid } = jwt.header;
  if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) {
    refuse('the token must be signed with ES256 or RS256', 'token_algorithm_refused');
  }
  if (typeof kid !== 'string' || kid.length === 0) refuse('the token header has no kid', 'token_malformed');
  if (jwt.header.crit !== undefined) refuse('the token has critical header parameters', 'token_malformed');

  const { iss, sub } = jwt.payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || sub.length === 0) {
    refuse('the token has no iss or sub', 'token_malformed');
  }
  const jwksUrl = await deps.jwksUrlOf(iss);
  if (!jwksUrl) refuse('the token issuer is not trusted', 'token_issuer_unknown');
  const published = await deps.keys.key(jwksUrl, kid);
  if (!published) refuse('the token was signed with a key the issuer does not publish', 'token_key_unknown');
  if (published.alg !== alg) refuse('the token algorithm does not match its key', 'token_algorithm_refused');

  if (!signatureVerifies(alg as TokenAlgorithm, published.key, jwt.signingInput, jwt.signature))
    refuse('the token signature does not verify', 'token_signature_invalid');

  const now = deps.now().getTime() / 1000;
  const leeway = deps.leewaySeconds;
  const exp = numericDate(jwt.payload, 'exp', true) as number;
  const iat = numericDate(jwt.payload, 'iat', true) as number;
  const nbf = numericDate(jwt.payload, 'nbf', false);
  if (now >= exp + leeway) refuse('the token has expired', 'token_expired');
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) refuse('the token lives longer than 24 hours', 'token_lifetime_too_long');
  if (iat > now + leeway || (nbf !== undefined && nbf > now + leeway)) {
    refuse('the token is not valid yet', 'token_not_yet_valid');
  }
  return { issuer: iss, subject: sub, audiences: audiencesOf(jwt.payload.aud) };
}

function signatureVerifies(alg: TokenAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', data, alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
  } catch {
    // A signature of the wrong length or encoding is a bad signature, not a fault.
    return false;
  }
}

function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}
