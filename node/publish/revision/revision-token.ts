import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** A key that a token allows to be re-sent. */
export interface RevisableKey {
  key: Buffer;
  intervalNumber: number;
  intervalCount: number;
}

/** An AES-256-GCM key of the revision-token key ring; `kid` is its id in `revision_token_keys`. */
export interface RevisionKey {
  kid: string;
  secret: Buffer;
  createdAt: Date;
}

/** Tokens carry at least this many entries, so their size does not tell how many keys were published. */
export const MIN_TOKEN_ENTRIES = 28;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The key bytes of padding entries; no real key is all zeros in practice, and such entries are ignored. */
const ZERO_KEY = Buffer.alloc(16);

const root = protobuf.loadSync(fileURLToPath(new URL('../../../proto/revision.proto', import.meta.url)));
const TokenType = root.lookupType('enfed.revision.RevisionToken');
const DataType = root.lookupType('enfed.revision.RevisionTokenData');

interface WireRevisableKey {
  temporaryExposureKey?: Uint8Array;
  intervalNumber?: number;
  intervalCount?: number;
}

/** Seals the keys into a token with `key`: base64 of RevisionToken{kid, nonce ‖ ciphertext ‖ tag}. */
export function encodeRevisionToken(keys: readonly RevisableKey[], key: RevisionKey): string {
  const entries: WireRevisableKey[] = keys.map((k) => ({
    temporaryExposureKey: k.key,
    intervalNumber: k.intervalNumber,
    intervalCount: k.intervalCount,
  }));
  // Zero-key entries encode to the same size as real ones, so a token's length is the same for 1 to 28 keys.
  const filler: WireRevisableKey = {
    temporaryExposureKey: ZERO_KEY,
    intervalNumber: keys[0]?.intervalNumber ?? 0,
    intervalCount: keys[0]?.intervalCount ?? 144,
  };
  while (entries.length < MIN_TOKEN_ENTRIES) entries.push(filler);
  const plaintext = DataType.encode(DataType.fromObject({ revisableKeys: entries })).finish();
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, nonce);
  // The kid is authenticated too, so a token cannot be re-labelled to another key.
  cipher.setAAD(Buffer.from(key.kid, 'utf8'));
  const data = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return Buffer.from(TokenType.encode(TokenType.fromObject({ kid: key.kid, data })).finish()).toString('base64');
}

/** The kid a token names, or undefined when the token is not even well-formed. */
export function revisionTokenKid(token: string): { kid: string; data: Buffer } | undefined {
  try {
    const decoded = TokenType.toObject(TokenType.decode(Buffer.from(token, 'base64')), { bytes: Buffer }) as {
      kid?: string;
      data?: Buffer;
    };
    if (!decoded.kid || !decoded.data || decoded.data.length < NONCE_BYTES + TAG_BYTES) return undefined;
    return { kid: decoded.kid, data: decoded.data };
  } catch {
    return undefined;
  }
}

/** Opens token data sealed with `key`; undefined when it does not authenticate. Padding (zero-key) entries are dropped. */
export function openRevisionToken(sealed: { kid: string; data: Buffer }, key: RevisionKey): RevisableKey[] | undefined {
  try {
    const nonce = sealed.data.subarray(0, NONCE_BYTES);
    const tag = sealed.data.subarray(sealed.data.length - TAG_BYTES);
    const ciphertext = sealed.data.subarray(NONCE_BYTES, sealed.data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key.secret, nonce);
    decipher.setAAD(Buffer.from(sealed.kid, 'utf8'));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    const data = DataType.toObject(DataType.decode(plaintext), { bytes: Buffer }) as {
      revisableKeys?: WireRevisableKey[];
    };
    return (data.revisableKeys ?? [])
      .filter(
        (e) => e.temporaryExposureKey && e.temporaryExposureKey.length > 0 && !ZERO_KEY.equals(e.temporaryExposureKey),
      )
      .map((e) => ({
        key: Buffer.from(e.temporaryExposureKey as Uint8Array),
        intervalNumber: e.intervalNumber ?? 0,
        intervalCount: e.intervalCount ?? 0,
      }));
  } catch {
    return undefined;
  }
}
