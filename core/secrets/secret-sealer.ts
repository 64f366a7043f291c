import { isSealed, SecretSealError, sealedKekId } from './sealed-secret';

/**
 * How secrets kept in PostgreSQL (signing keys without an HSM, revision-token keys, one-time-code keys, key
 * pairs of claims) are written and read: sealed before they are stored, opened after they are read. The
 * key-encryption-key envelope (AES-256-GCM under a KEK from a secret reference, kek-sealer.ts) implements it;
 * without a KEK configured, secrets are stored as they are (development only).
 */
export interface SecretSealer {
  /** Seals `plain` for storage; the result names the key it was sealed with, so KEKs can rotate. */
  seal(plain: Buffer): Promise<Buffer>;
  /** Opens what `seal` produced (with the current KEK or a previous one). */
  open(sealed: Buffer): Promise<Buffer>;
}

/**
 * No KEK configured: stores secrets as they are. A value that was sealed under a KEK is refused rather than
 * handed out as if it were the secret (a server started without its KEK would otherwise sign with garbage).
 */
export const UNSEALED: SecretSealer = {
  seal: async (plain) => plain,
  open: async (stored) => {
    if (isSealed(stored)) {
      throw new SecretSealError(
        'kek_missing',
        `a secret in the database is sealed under KEK ${sealedKekId(stored)} but no KEK is configured (set KEK)`,
      );
    }
    return stored;
  },
};
