import { sign } from 'node:crypto';
import type { CertificateSigningKey } from './keys/device-key.repository';

/** What a verification certificate states (the reference's claims). */
export interface CertificateClaims {
  reportType: string;
  /** Interval number of the symptom day's UTC midnight, when the code had a symptom date. */
  symptomOnsetInterval?: number;
  /** The app's HMAC of its keys, verbatim as the app sent it. */
  tekmac: string;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Backdated by this much (the reference's ALLOWED_CLOCK_SKEW), so that a key server a little behind accepts it. */
const CLOCK_SKEW_SECONDS = 5;

/**
 * Signs a verification certificate as the reference verification server does: a compact JWS, ES256 (P-256,
 * r‖s signature), header `kid` = the key's version, claims iss/aud of the node's health authority, iat = nbf =
 * now − 5 s, exp = now + duration, reportType, symptomOnsetInterval (when known) and tekmac.
 */
export function signCertificate(
  key: CertificateSigningKey,
  claims: CertificateClaims,
  now: Date,
  durationSeconds: number,
): string {
  const t = Math.floor(now.getTime() / 1000);
  const header = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
  const payload = {
    reportType: claims.reportType,
    ...(claims.symptomOnsetInterval === undefined ? {} : { symptomOnsetInterval: claims.symptomOnsetInterval }),
    tekmac: claims.tekmac,
    aud: key.aud,
    exp: t + durationSeconds,
    iat: t - CLOCK_SKEW_SECONDS,
    iss: key.iss,
    nbf: t - CLOCK_SKEW_SECONDS,
  };
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
