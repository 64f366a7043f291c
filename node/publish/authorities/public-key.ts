import { createPublicKey, type KeyObject } from 'node:crypto';
import jose from 'node-jose';

/** Raised when a public key file is not a P-256 public key. */
export class InvalidPublicKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPublicKeyError';
  }
}

/**
 * Imports a health authority's public key given as PEM or JWK text with node-jose, checks that it is an
 * EC P-256 key, and returns its public PEM (the stored form). Private parts are never kept.
 */
export async function importHealthAuthorityKey(text: string): Promise<string> {
  const trimmed = text.trim();
  let key: jose.JWK.Key;
  try {
    key = trimmed.startsWith('{')
      ? await jose.JWK.asKey(JSON.parse(trimmed) as object)
      : await jose.JWK.asKey(trimmed, 'pem');
  } catch {
    throw new InvalidPublicKeyError('not a PEM or JWK key');
  }
  const json = key.toJSON(true) as { kty?: string; crv?: string; d?: string };
  if (json.kty !== 'EC' || json.crv !== 'P-256')
    throw new InvalidPublicKeyError('the key must be an EC P-256 (ES256) key');
  // A private key here means the health authority's secret left its home: refuse rather than strip it.
  if (json.d !== undefined) throw new InvalidPublicKeyError('this is a private key; give the public key only');
  return key.toPEM(false).replace(/\r\n/g, '\n');
}

/** A KeyObject for the hot path (`crypto.verify`), built once per cache load from the stored PEM. */
export async function toVerifyKey(publicKeyPem: string): Promise<KeyObject> {
  // node-jose parses and checks the stored key first, so a bad row fails here rather than per request.
  const pem = await importHealthAuthorityKey(publicKeyPem);
  return createPublicKey(pem);
}
