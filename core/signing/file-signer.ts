import { createPrivateKey, createSign, type KeyObject, type Sign } from 'node:crypto';
import type { FileSignature, SignatureInfo } from './signature';

/** A signing key ready to sign: its SignatureInfo and its private key object (parsed once per batch). */
export interface ExportSigningKey {
  info: SignatureInfo;
  privateKey: KeyObject;
}

/** Parses a PEM private key (PKCS#8 or SEC1) for signing. */
export function toExportSigningKey(info: SignatureInfo, privateKeyPem: string): ExportSigningKey {
  return { info, privateKey: createPrivateKey(privateKeyPem) };
}

/**
 * Signs one export.bin with every active key while it streams: each chunk feeds every key's SHA-256, so
 * the file is never held whole. `finish()` returns one DER ECDSA signature per key, in key order.
 */
export class FileSigner {
  private readonly signs: Sign[];

  constructor(private readonly keys: readonly ExportSigningKey[]) {
    this.signs = keys.map(() => createSign('SHA256'));
  }

  update(chunk: Buffer): void {
    for (const sign of this.signs) sign.update(chunk);
  }

  finish(): FileSignature[] {
    return this.keys.map((key, i) => ({
      info: key.info,
      signature: this.signs[i]!.sign({ key: key.privateKey, dsaEncoding: 'der' }),
    }));
  }
}
