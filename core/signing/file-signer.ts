import { createHash, createPrivateKey, createSign } from 'node:crypto';
import type { Pkcs11Token } from './pkcs11-token';
import type { FileSignature, SignatureInfo } from './signature';

/** One signature in progress: the file's bytes go in as they stream, the DER ECDSA signature comes out. */
export interface SignatureStream {
  update(chunk: Buffer): void;
  finish(): Promise<Buffer>;
}

/** A signing key ready to sign: its SignatureInfo and how one file is signed with it. */
export interface ExportSigningKey {
  info: SignatureInfo;
  begin(): SignatureStream;
}

/** A key held here (a PEM private key, PKCS#8 or SEC1, parsed once per batch): node:crypto signs. */
export function toExportSigningKey(info: SignatureInfo, privateKeyPem: string): ExportSigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  return {
    info,
    begin() {
      const sign = createSign('SHA256');
      return {
        update: (chunk) => sign.update(chunk),
        finish: async () => sign.sign({ key: privateKey, dsaEncoding: 'der' }),
      };
    },
  };
}

/** A key in a PKCS#11 token, found by label: SHA-256 here, ECDSA in the token. */
export function toPkcs11SigningKey(info: SignatureInfo, token: Pkcs11Token, label: string): ExportSigningKey {
  return {
    info,
    begin() {
      const hash = createHash('sha256');
      return {
        update: (chunk) => hash.update(chunk),
        finish: () => token.signDigest(label, hash.digest()),
      };
    },
  };
}

/**
 * Signs one export.bin with every active key while it streams: each chunk feeds every key's SHA-256, so
 * the file is never held whole. `finish()` returns one DER ECDSA signature per key, in key order.
 */
export class FileSigner {
  private readonly streams: SignatureStream[];

  constructor(private readonly keys: readonly ExportSigningKey[]) {
    this.streams = keys.map((key) => key.begin());
  }

  update(chunk: Buffer): void {
    for (const stream of this.streams) stream.update(chunk);
  }

  async finish(): Promise<FileSignature[]> {
    const signatures = await Promise.all(this.streams.map((stream) => stream.finish()));
    return this.keys.map((key, i) => ({ info: key.info, signature: signatures[i]! }));
  }
}
