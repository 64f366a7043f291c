import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeSignatureList, verifyExportSignature } from '../../../core/export/format/export-reader';
import { ImportError } from './import-errors';
import { isKeyValidAt, type ImportPublicKey } from './import-public-keys.repository';

/** What the accepted signature says, checked later against the header. */
export interface VerifiedSignature {
  keyId: string;
  keyVersion: string;
  batchNum: number;
  batchSize: number;
}

/**
 * Accepts export.bin only when export.sig holds a signature that verifies under one of the import's keys valid at
 * `now`, matched by verification key id and version (the reference importer's rule). Signatures under unknown,
 * revoked or expired keys are skipped; if none verifies the file is refused and nothing of it is read further.
 */
export function verifyExport(
  bin: Buffer,
  sig: Buffer,
  keys: readonly ImportPublicKey[],
  now: Date,
  name: string,
): VerifiedSignature {
  let signatures;
  try {
    signatures = decodeSignatureList(sig);
  } catch {
    throw new ImportError('signature_unverified', `${name}: export.sig is not a signature list`);
  }
  const seen: string[] = [];
  for (const s of signatures) {
    const keyId = s.signatureInfo?.verificationKeyId ?? '';
    const keyVersion = s.signatureInfo?.verificationKeyVersion ?? '';
    seen.push(`${keyId}/${keyVersion}`);
    const key = keys.find((k) => k.keyId === keyId && k.keyVersion === keyVersion && isKeyValidAt(k, now));
    if (!key) continue;
    if (verifyExportSignature(bin, s.signature, publicKey(key))) {
      return { keyId, keyVersion, batchNum: s.batchNum, batchSize: s.batchSize };
    }
  }
  throw new ImportError(
    'signature_unverified',
    `${name}: signed by no valid configured key (signatures: ${seen.join(', ').slice(0, 200) || 'none'})`,
  );
}

const parsed = new WeakMap<ImportPublicKey, KeyObject>();

function publicKey(key: ImportPublicKey): KeyObject {
  let k = parsed.get(key);
  if (!k) {
    k = createPublicKey(key.publicKeyPem);
    parsed.set(key, k);
  }
  return k;
}
