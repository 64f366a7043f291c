import { createHash, type KeyObject } from 'node:crypto';

/**
 * The RFC 7638 thumbprint of an EC public key (SHA-256 over its required members in lexical order), used as the
 * default kid of minted tokens so that the key and the JWKS entry a partner publishes agree without a setting.
 */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The JWKS a partner publishes so that it (or we) can verify tokens minted under `publicKey`. */
export function publicJwks(publicKey: KeyObject, kid: string): { keys: Record<string, unknown>[] } {
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  return { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }] };
}
