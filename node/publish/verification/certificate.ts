import { verify } from 'node:crypto';
import type { ReportType } from '../../../core/keys/report-type';
import type { AuthorizedAppInfo } from '../apps/authorized-app.repository';
import { CertificateInvalidError } from '../publish-errors';
import { decodeBase64Strict } from '../request/key-base64';
import type { PublishKeyInput } from '../request/publish-request';
import { tekmacMatches } from './tekmac';
import type { TrustedAuthority } from './trust-store';

/** Report types a certificate may carry (docs/publish-api.md). */
const CERTIFICATE_REPORT_TYPES: ReadonlySet<string> = new Set(['confirmed', 'likely', 'negative', 'user-report']);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ES256_SIGNATURE_BYTES = 64;

/** What a verified certificate tells the publish path. */
export interface VerifiedCertificate {
  healthAuthorityId: number;
  reportType: ReportType;
  symptomOnsetInterval: number | undefined;
}

export interface VerifyCertificateInput {
  token: string;
  hmacKey: string;
  keys: readonly PublishKeyInput[];
  app: AuthorizedAppInfo;
  now: Date;
  leewaySeconds: number;
  /** Looks up an authority by iss (cached). */
  authority: (iss: string) => Promise<TrustedAuthority | undefined>;
}

function invalid(reason: string): never {
  throw new CertificateInvalidError(reason);
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) invalid(`${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    invalid(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function optionalNumericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${name} is not a number`);
  return value;
}

/**
 * Verifies a health-authority verification certificate (compact JWS, ES256) for these keys. The signature
 * is checked with a cached KeyObject (`crypto.verify`, IEEE P1363 r‖s) before any claim is trusted.
 * Every failure is a CertificateInvalidError whose reason is logged, never shown.
 */
export async function verifyCertificate(input: VerifyCertificateInput): Promise<VerifiedCertificate> {
  const parts = input.token.split('.');
  if (parts.length !== 3) invalid('not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = decodeJsonPart(headerPart, 'header');
  // Only ES256: `none`, HMAC algorithms (public key used as a secret) and everything else are refused.
  if (header.alg !== 'ES256') invalid('alg is not ES256');
  if (typeof header.kid !== 'string' || header.kid === '') invalid('kid missing');
  if (header.crit !== undefined) invalid('crit header not supported');
  const claims = decodeJsonPart(payloadPart, 'claims');

  if (typeof claims.iss !== 'string' || claims.iss === '') invalid('iss missing');
  if (/[\u0000-\u001f\u007f]/.test(claims.iss) || claims.iss.length > 1024) invalid('iss malformed');
  const authority = await input.authority(claims.iss);
  if (!authority) invalid('unknown iss');
  if (!input.app.allowedHealthAuthorityIds.has(authority.id)) invalid('authority not allowed for this app');

  const nowMs = input.now.getTime();
  const trusted = authority.keys.get(header.kid);
  if (!trusted) invalid('unknown kid');
  if (nowMs < trusted.fromMs || (trusted.thruMs !== null && nowMs >= trusted.thruMs)) invalid('key not valid now');

  if (!BASE64URL.test(signaturePart)) invalid('signature is not base64url');
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== ES256_SIGNATURE_BYTES) invalid('signature length');
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  if (!verify('sha256', signingInput, { key: trusted.key, dsaEncoding: 'ieee-p1363' }, signature)) {
    invalid('bad signature');
  }

  if (claims.aud !== authority.aud) invalid('aud mismatch');
  const now = nowMs / 1000;
  const leeway = input.leewaySeconds;
  const exp = optionalNumericDate(claims, 'exp');
  if (exp === undefined) invalid('exp missing');
  if (now >= exp + leeway) invalid('expired');
  const iat = optionalNumericDate(claims, 'iat');
  if (iat !== undefined && iat > now + leeway) invalid('iat in the future');
  const nbf = optionalNumericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + leeway) invalid('not yet valid');

  if (typeof claims.reportType !== 'string' || !CERTIFICATE_REPORT_TYPES.has(claims.reportType)) {
    invalid('reportType not allowed');
  }
  const onset = claims.symptomOnsetInterval;
  if (onset !== undefined && (typeof onset !== 'number' || !Number.isInteger(onset) || onset < 0)) {
    invalid('symptomOnsetInterval malformed');
  }

  if (typeof claims.tekmac !== 'string') invalid('tekmac missing');
  const claimed = decodeBase64Strict(claims.tekmac);
  const secret = decodeBase64Strict(input.hmacKey);
  if (!claimed || !secret) invalid('tekmac or hmacKey not base64');
  if (!tekmacMatches(input.keys, secret, claimed)) invalid('tekmac does not match the keys');

  return {
    healthAuthorityId: authority.id,
    reportType: claims.reportType as ReportType,
    symptomOnsetInterval: typeof onset === 'number' && onset > 0 ? onset : undefined,
  };
}
