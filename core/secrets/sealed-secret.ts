/**
 * The stored form of a sealed secret (AES-256-GCM directly under the KEK):
 *
 *     "ENFK" ‖ version 0x01 ‖ KEK id (8) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
 *
 * The first 13 bytes (magic, version, KEK id) are the GCM additional data, so the header cannot be altered. The
 * magic never starts a plaintext secret this server stores (PEM starts with "-", DER with 0x30, raw keys are 32
 * bytes, shorter than any sealed value), which is how plaintext rows left from before a KEK are told apart.
 */
export const SEALED_MAGIC = Buffer.from('ENFK', 'latin1');
export const SEALED_VERSION = 1;
export const HEADER_BYTES = SEALED_MAGIC.length + 1 + 8;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const MIN_SEALED_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/** Whether `value` has the sealed form (it may still fail to open). */
export function isSealed(value: Buffer): boolean {
  return value.length >= MIN_SEALED_BYTES && value.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

/** The KEK id (hex) a sealed value names. */
export function sealedKekId(value: Buffer): string {
  return value.subarray(SEALED_MAGIC.length + 1, HEADER_BYTES).toString('hex');
}

/** Why a stored secret could not be opened; the message names KEK ids only, never key material. */
export class SecretSealError extends Error {
  constructor(
    readonly code: 'kek_missing' | 'kek_unknown' | 'secret_not_sealed' | 'sealed_secret_corrupt' | 'sealed_version',
    message: string,
  ) {
    super(message);
    this.name = 'SecretSealError';
  }
}
