import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { kekIdHex, type Kek } from './kek';
import {
  HEADER_BYTES,
  isSealed,
  NONCE_BYTES,
  SEALED_MAGIC,
  SEALED_VERSION,
  SecretSealError,
  sealedKekId,
  TAG_BYTES,
} from './sealed-secret';
import type { SecretSealer } from './secret-sealer';

/**
 * Seals secrets with AES-256-GCM directly under the KEK (format in sealed-secret.ts), a fresh random 96-bit nonce per
 * value. No per-secret data key: the secrets are a few hundred bytes, the KEK is in this process (not a remote KMS
 * whose calls a data key would save), and a re-wrap re-encrypts each value anyway; random nonces stay far below
 * GCM's 2^32 messages-per-key bound for the few thousand values a server ever seals under one KEK.
 * Opens with the current KEK or any previous one (KEK_PREVIOUS), chosen by the KEK id in the header.
 */
export class KekSealer implements SecretSealer {
  constructor(
    readonly current: Kek,
    private readonly previous: readonly Kek[] = [],
  ) {}

  /** Every KEK id this sealer opens (hex): the current one first. */
  get kekIds(): string[] {
    return [this.current, ...this.previous].map(kekIdHex);
  }

  /** The KEK id new values are sealed under (hex). */
  get kekId(): string {
    return kekIdHex(this.current);
  }

  async seal(plain: Buffer): Promise<Buffer> {
    const header = Buffer.concat([SEALED_MAGIC, Buffer.of(SEALED_VERSION), this.current.id]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  }

  async open(sealed: Buffer): Promise<Buffer> {
    if (!isSealed(sealed)) {
      throw new SecretSealError(
        'secret_not_sealed',
        'a secret in the database is not sealed although a KEK is configured (run `enfed admin kek seal`)',
      );
    }
    const version = sealed[SEALED_MAGIC.length];
    if (version !== SEALED_VERSION) {
      throw new SecretSealError('sealed_version', `a sealed secret has format version ${version}, expected 1`);
    }
    const id = sealedKekId(sealed);
    const kek = [this.current, ...this.previous].find((k) => kekIdHex(k) === id);
    if (!kek) {
      const known = [this.current, ...this.previous].map(kekIdHex).join(', ');
      throw new SecretSealError(
        'kek_unknown',
        `a secret in the database is sealed under KEK ${id}, not under the configured KEK (${known}): ` +
          'configure the KEK it was sealed with (KEK or KEK_PREVIOUS)',
      );
    }
    const nonce = sealed.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    const body = sealed.subarray(HEADER_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', kek.key, nonce);
    decipher.setAAD(sealed.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new SecretSealError(
        'sealed_secret_corrupt',
        `a secret sealed under KEK ${id} failed authentication: it was altered or damaged`,
      );
    }
  }
}
