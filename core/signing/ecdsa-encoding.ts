/**
 * ECDSA signature and P-256 public key encodings between what a PKCS#11 token speaks and what export files and
 * node:crypto expect.
 */

/** r ‖ s (PKCS#11 CKM_ECDSA output, 32 bytes each for P-256) as the ASN.1 DER SEQUENCE { r INTEGER, s INTEGER }. */
export function rawEcdsaToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error(`ECDSA signature of ${raw.length} bytes`);
  const half = raw.length / 2;
  const integer = (bytes: Buffer): Buffer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    // A set top bit would make the INTEGER negative: a zero byte keeps it positive.
    const body = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed;
    return Buffer.concat([Buffer.of(0x02, body.length), body]);
  };
  const content = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  // At most 2 × 35 bytes for P-256: the short length form always fits.
  return Buffer.concat([Buffer.of(0x30, content.length), content]);
}

/** DER of the P-256 curve OID (1.2.840.10045.3.1.7), the CKA_EC_PARAMS of a P-256 key. */
export const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

/** SPKI prefix of an uncompressed P-256 public key (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/**
 * A P-256 public key's SPKI DER from its CKA_EC_POINT: PKCS#11 v2.40 wraps the point in a DER OCTET STRING
 * (04 41 04 X Y); some tokens give the bare uncompressed point (04 X Y).
 */
export function p256SpkiFromEcPoint(ecPoint: Buffer): Buffer {
  const point = ecPoint.length === 67 && ecPoint[0] === 0x04 && ecPoint[1] === 0x41 ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('CKA_EC_POINT is not an uncompressed P-256 point');
  return Buffer.concat([P256_SPKI_PREFIX, point]);
}
