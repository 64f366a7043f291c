import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A public key an export's signatures are checked with. `keyId`/`keyVersion` (the SignatureInfo's
 * verification_key_id and verification_key_version) say which signatures it is for; absent means any, the way
 * a tester who has only the PEM would use it.
 */
export interface VerificationKey {
  keyId?: string;
  keyVersion?: string;
  publicKey: KeyObject;
  /** Where it came from, for messages (a path, "manifest", …). */
  label: string;
}

/** Raised for a public key that cannot be used (not a P-256 public key). */
export class VerificationKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationKeyError';
  }
}

/** A P-256 public key from PEM (SPKI, or a certificate); refuses any other key type. */
export function verificationKey(
  pem: string,
  label: string,
  match: { keyId?: string; keyVersion?: string } = {},
): VerificationKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (err) {
    throw new VerificationKeyError(`${label}: not a PEM public key (${(err as Error).message})`);
  }
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new VerificationKeyError(`${label}: not an ECDSA P-256 public key`);
  return { ...match, publicKey, label };
}

/** True when `key` is meant for a signature with this id and version. */
export function keyApplies(key: VerificationKey, keyId: string, keyVersion: string): boolean {
  return (
    (key.keyId === undefined || key.keyId === keyId) && (key.keyVersion === undefined || key.keyVersion === keyVersion)
  );
}
