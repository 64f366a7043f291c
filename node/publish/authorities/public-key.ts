import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isP256Key, p256PublicKeyPem } from '../../../core/signing/p256-key';

/** Raised when a public key file is not a P-256 public key. */
export class InvalidPublicKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPublicKeyError';
  }
}

/**
 * Imports a health authority's public key given as PEM or JWK text, checks that it is an EC P-256 key, and
 * returns its public PEM (the stored form: SPKI, uncompressed point). Private parts are never kept.
 */
export async function importHealthAuthorityKey(text: string): Promise<string> {
  return p256PublicKeyPem(parsePublicP256Key(text));
}

/** A KeyObject for the hot path (`crypto.verify`), built once per cache load from the stored PEM. */
export async function toVerifyKey(publicKeyPem: string): Promise<KeyObject> {
  // Parsed and checked like an import, so a bad row fails here rather than per request.
  return parsePublicP256Key(publicKeyPem);
}

/** Parses PEM or JWK text with node:crypto, refusing anything but a P-256 public key. */
function parsePublicP256Key(text: string): KeyObject {
  const trimmed = text.trim();
  const { key, isPrivate } = trimmed.startsWith('{') ? parseJwk(trimmed) : parsePem(trimmed);
  if (!isP256Key(key)) throw new InvalidPublicKeyError('the key must be an EC P-256 (ES256) key');
  // A private key here means the health authority's secret left its home: refuse rather than strip it.
  if (isPrivate) throw new InvalidPublicKeyError('this is a private key; give the public key only');
  return key;
}

function notAKey(): InvalidPublicKeyError {
  return new InvalidPublicKeyError('not a PEM or JWK key');
}

/** Any PEM block of a private key: PKCS#8 (also encrypted), SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY". */
const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

function parsePem(pem: string): { key: KeyObject; isPrivate: boolean } {
  let key: KeyObject;
  try {
    // This also reads a private key (and derives its public half), so the label says which it was.
    key = createPublicKey(pem);
  } catch {
    throw notAKey();
  }
  return { key, isPrivate: PRIVATE_PEM.test(pem) };
}

function parseJwk(text: string): { key: KeyObject; isPrivate: boolean } {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(text) as JsonWebKey;
  } catch {
    throw notAKey();
  }
  // A JWK that names another type or curve is that, whether or not node:crypto can read the rest.
  if (typeof jwk.kty === 'string' && (jwk.kty !== 'EC' || jwk.crv !== 'P-256'))
    throw new InvalidPublicKeyError('the key must be an EC P-256 (ES256) key');
  const isPrivate = jwk.d !== undefined;
  try {
    const key = isPrivate
      ? createPrivateKey({ key: jwk, format: 'jwk' })
      : createPublicKey({ key: jwk, format: 'jwk' });
    return { key, isPrivate };
  } catch {
    throw notAKey();
  }
}
