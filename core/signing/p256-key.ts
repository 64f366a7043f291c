import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * P-256 (ES256, ECDSA over NIST P-256) keys as node:crypto KeyObjects: the one check and the stored PEM
 * forms shared by export signing keys and health authority keys. Keys are parsed by OpenSSL, which reads
 * every valid encoding of a P-256 key (node-jose's PEM import refused about one key in 256).
 */

/** OpenSSL's name for P-256 (JWK `crv` "P-256"). */
const P256_CURVE = 'prime256v1';

/** An uncompressed P-256 SPKI is 91 bytes: 26 bytes of header, then 0x04 ‖ X ‖ Y. */
const UNCOMPRESSED_SPKI_LENGTH = 91;

/** Whether `key` (public or private) is an EC key on P-256. */
export function isP256Key(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === P256_CURVE;
}

/**
 * The public half of a P-256 key (public or private) as SPKI PEM with an uncompressed point, so every
 * accepted encoding of a key is stored the same way.
 */
export function p256PublicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  if (spki.length === UNCOMPRESSED_SPKI_LENGTH) return toPem(spki, 'PUBLIC KEY');
  // A compressed point (0x02/0x03 ‖ X): rebuild the key from its coordinates, which OpenSSL then writes
  // uncompressed. The JWK comes from a fresh parse, never from a generated KeyObject: on Node 20 a JWK
  // export can deadlock with the garbage collection of the key's generation job (both take the key's lock).
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

/** A P-256 private key as unencrypted PKCS#8 PEM. */
export function p256PrivateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** PEM as OpenSSL writes it (64 base64 characters a line, LF line ends), without asking OpenSSL again. */
function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
