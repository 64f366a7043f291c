import { createHmac } from 'node:crypto';
import { SecretReferenceError } from './secret-reference';

/** A key-encryption key: 32 bytes for AES-256-GCM, and its public id. */
export interface Kek {
  /** 8 bytes derived from the key (HMAC-SHA256 of a fixed label): names the KEK in sealed values, reveals nothing. */
  id: Buffer;
  key: Buffer;
}

const KEK_BYTES = 32;

/** The id of a KEK as shown to operators (16 hex digits). */
export function kekIdHex(kek: Kek): string {
  return kek.id.toString('hex');
}

/** The KEK id of `key`: the first 8 bytes of HMAC-SHA256(key, "enfed kek id"). */
export function kekId(key: Buffer): Buffer {
  return createHmac('sha256', key).update('enfed kek id').digest().subarray(0, 8);
}

/**
 * A KEK from the text a secret reference resolved to: 32 bytes written as 64 hex digits or base64 (44 characters,
 * `openssl rand -base64 32`). Anything else is refused: a passphrase would be a far weaker key.
 */
export function parseKek(text: string, where: string): Kek {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(value)) key = Buffer.from(value, 'base64');
  if (key?.length !== KEK_BYTES) {
    throw new SecretReferenceError(
      `${where}: a KEK is 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)`,
    );
  }
  return { id: kekId(key), key };
}
