import { readFile } from 'node:fs/promises';
import {
  verificationKey,
  VerificationKeyError,
  type VerificationKey,
} from '../../core/export/verify/verification-keys';
import { UsageError } from '../support/usage-error';

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `--public-key [ID/VERSION=]FILE` values as verification keys. With `310/v1=hub.pem` the key only checks
 * signatures naming verification key id 310, version v1; a bare FILE checks any signature.
 */
export async function readPublicKeys(values: readonly string[] | undefined): Promise<VerificationKey[]> {
  if (!values || values.length === 0) throw new UsageError('--public-key is required (a PEM file; repeat for several)');
  const keys: VerificationKey[] = [];
  for (const value of values) {
    const match = /^([^/=]+)\/([^=]+)=(.+)$/.exec(value);
    const file = match ? match[3]! : value;
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`--public-key: cannot read ${file}`);
    }
    try {
      keys.push(verificationKey(pem, file, match ? { keyId: match[1]!, keyVersion: match[2]! } : {}));
    } catch (err) {
      if (err instanceof VerificationKeyError) throw new UsageError(`--public-key: ${err.message}`);
      throw err;
    }
  }
  return keys;
}
