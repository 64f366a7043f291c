/** What an export signature says about its key, and the signature itself (export-format: export.sig). */

/** `signature_algorithm` of every SignatureInfo: ECDSA P-256 with SHA-256. */
export const SIGNATURE_ALGORITHM = '1.2.840.10045.4.3.2';

/** What goes into every SignatureInfo (and TEKSignature) for one signing key. */
export interface SignatureInfo {
  verificationKeyVersion: string;
  verificationKeyId: string;
  signatureAlgorithm: string;
}

/** One signature of export.bin by one signing key. */
export interface FileSignature {
  info: SignatureInfo;
  /** ASN.1 DER ECDSA signature. */
  signature: Buffer;
}
