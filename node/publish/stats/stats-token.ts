import { verify } from 'node:crypto';
import type { TrustedAuthority } from '../verification/trust-store';

/** A stats token that does not authenticate; `reason` is for the server log, the caller sees 401 only. */
export class StatsUnauthorizedError extends Error {
  constructor(readonly reason: string) {
    super('unauthorized');
    this.name = 'StatsUnauthorizedError';
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function refuse(reason: string): never {
  throw new StatsUnauthorizedError(reason);
}

function jsonPart(part: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) refuse(`${what} is not base64url`);
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through
  }
  return refuse(`${what} is not a JSON object`);
}

/** What verifying a stats token needs. */
export interface StatsTokenInput {
  token: string;
  now: Date;
  leewaySeconds: number;
  /** The aud every token must carry; undefined: the authority's own aud. */
  audience: string | undefined;
  authority: (iss: string) => Promise<TrustedAuthority | undefined>;
}

/**
 * Authenticates a `/v1/stats` caller as the reference server does: an ES256 JWT whose `iss` names a health
 * authority, signed with one of its keys valid now (`kid`), addressed to this server (`aud`). Unlike the
 * reference, `exp` is required, so a token leaked from a log does not open the stats for ever. Returns the
 * authority's id.
 */
export async function authenticateStatsToken(input: StatsTokenInput): Promise<number> {
  const parts = input.token.split('.');
  if (parts.length !== 3) refuse('not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonPart(headerPart, 'header');
  if (header.alg !== 'ES256') refuse('alg is not ES256');
  if (typeof header.kid !== 'string' || header.kid === '') refuse("missing 'kid' header");
  if (header.crit !== undefined) refuse('crit header not supported');
  const claims = jsonPart(payloadPart, 'claims');
  if (typeof claims.iss !== 'string' || claims.iss === '' || claims.iss.length > 1024) refuse('iss missing');
  const authority = await input.authority(claims.iss);
  if (!authority) refuse('issuer not found');
  const key = authority.keys.get(header.kid);
  const nowMs = input.now.getTime();
  if (!key || nowMs < key.fromMs || (key.thruMs !== null && nowMs >= key.thruMs)) refuse('key not found or not valid');
  if (!BASE64URL.test(signaturePart)) refuse('signature is not base64url');
  const signature = Buffer.from(signaturePart, 'base64url');
  const signed = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  if (signature.length !== 64 || !verify('sha256', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)) {
    refuse('bad signature');
  }
  const audience = input.audience ?? authority.aud;
  const aud = claims.aud;
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) refuse('audience mismatch');
  const now = nowMs / 1000;
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) refuse('exp missing');
  if (now >= exp + input.leewaySeconds) refuse('expired');
  for (const name of ['nbf', 'iat'] as const) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) refuse(`${name} is not a number`);
    if (value > now + input.leewaySeconds) refuse(`${name} in the future`);
  }
  return authority.id;
}
