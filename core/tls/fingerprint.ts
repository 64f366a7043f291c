import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A fingerprint as stored in partner_authorizations: SHA-256 of the certificate DER, lower-case hex. */
export function fingerprintOfDer(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Fingerprint of the first certificate in a PEM file (for `enfed admin partner add --cert`). */
export function fingerprintOfPemFile(path: string): string {
  return fingerprintOfDer(new X509Certificate(readFileSync(path)).raw);
}

const HEX_FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * Normalizes a fingerprint typed by an operator: accepts `AB:CD:…` (openssl's form) or plain hex, any case.
 * Returns undefined when it is not a SHA-256 fingerprint.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/:/g, '').toLowerCase();
  return HEX_FINGERPRINT.test(hex) ? hex : undefined;
}
