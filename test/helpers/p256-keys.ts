import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** A P-256 SPKI DER is 91 bytes: 26 bytes of header, then 0x04, X (32 bytes), Y (32 bytes). */
const SPKI_LENGTH = 91;
const POINT_AT = 26;

/**
 * A P-256 key pair for key-import tests: its coordinates and every text form the importers take.
 * `generateKeyPairSync` hands out DER and PEM directly, and the KeyObjects and rarer forms are made on first
 * use: OpenSSL takes about a millisecond to parse a key, and sweeps make thousands of keys.
 */
export class P256TestKey {
  readonly spkiDer: Buffer;
  readonly x: Buffer;
  readonly y: Buffer;
  /** SPKI, uncompressed point: the stored form of a health authority key. */
  readonly spkiPem: string;
  readonly pkcs8Pem: string;
  /** Built from X and Y, not by Node's JWK export. */
  readonly publicJwk: string;
  private parsedPublic?: KeyObject;
  private parsedPrivate?: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const spki = pair.publicKey;
    if (spki.length !== SPKI_LENGTH || spki[POINT_AT] !== 0x04) throw new Error('unexpected P-256 SPKI layout');
    this.spkiDer = spki;
    this.x = spki.subarray(POINT_AT + 1, POINT_AT + 33);
    this.y = spki.subarray(POINT_AT + 33);
    this.spkiPem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
    this.pkcs8Pem = pair.privateKey;
    const b64 = (b: Buffer) => b.toString('base64url');
    this.publicJwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: b64(this.x), y: b64(this.y) });
  }

  get publicKey(): KeyObject {
    return (this.parsedPublic ??= createPublicKey({ key: this.spkiDer, format: 'der', type: 'spki' }));
  }

  get privateKey(): KeyObject {
    return (this.parsedPrivate ??= createPrivateKey(this.pkcs8Pem));
  }

  get sec1Pem(): string {
    return this.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  }

  /** Node's JWK export of the private key (d, x, y). */
  get privateJwk(): string {
    return JSON.stringify(this.privateKey.export({ format: 'jwk' }));
  }

  /** The private scalar, 32 bytes. */
  get d(): Buffer {
    return Buffer.from(this.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  }
}

/** One new P-256 key pair. */
export function newP256Key(): P256TestKey {
  return new P256TestKey();
}

/** Generates P-256 keys until one has the property (each byte value is 1 in 256, so this takes ~256 tries). */
export function findP256Key(property: (key: P256TestKey) => boolean, limit = 100_000): P256TestKey {
  for (let i = 0; i < limit; i++) {
    const key = newP256Key();
    if (property(key)) return key;
  }
  throw new Error(`no key with the property in ${limit} tries`);
}

/**
 * Keys whose encodings have tripped importers: X starting 0x3F (node-jose's PEM import read the point's
 * BIT STRING as a nested OCTET STRING of length 0x3F and refused the key), and leading zero bytes in X, Y or
 * the private scalar (an encoder that strips them makes a JWK or DER of the wrong length). Plus an
 * ordinary key as the control.
 */
export function awkwardP256Keys(): { name: string; key: P256TestKey }[] {
  const ordinary = (k: P256TestKey) =>
    k.x[0] !== 0x3f && k.y[0] !== 0x3f && k.x[0] !== 0 && k.y[0] !== 0 && k.d[0] !== 0;
  return [
    { name: 'X starts 0x3F (1)', key: findP256Key((k) => k.x[0] === 0x3f) },
    { name: 'X starts 0x3F (2)', key: findP256Key((k) => k.x[0] === 0x3f) },
    { name: 'X starts 0x3F (3)', key: findP256Key((k) => k.x[0] === 0x3f) },
    { name: 'Y starts 0x3F', key: findP256Key((k) => k.y[0] === 0x3f) },
    { name: 'X starts 0x00', key: findP256Key((k) => k.x[0] === 0) },
    { name: 'Y starts 0x00', key: findP256Key((k) => k.y[0] === 0) },
    { name: 'private scalar starts 0x00', key: findP256Key((k) => k.d[0] === 0) },
    { name: 'an ordinary key', key: findP256Key(ordinary) },
  ];
}

/** X and Y of a P-256 public key given as SPKI PEM. */
export function coordinatesOf(spkiPem: string): { x: Buffer; y: Buffer } {
  const spki = createPublicKey(spkiPem).export({ type: 'spki', format: 'der' });
  if (spki.length !== SPKI_LENGTH) throw new Error('not an uncompressed P-256 SPKI');
  return { x: spki.subarray(POINT_AT + 1, POINT_AT + 33), y: spki.subarray(POINT_AT + 33) };
}

/** The same public key as SPKI PEM with a compressed point (0x02/0x03 ‖ X), which RFC 5480 also allows. */
export function compressedSpkiPem(key: P256TestKey): string {
  const uncompressed = key.publicKey.export({ type: 'spki', format: 'der' });
  const algorithm = uncompressed.subarray(2, POINT_AT - 3); // SEQUENCE { id-ecPublicKey, prime256v1 }
  const point = Buffer.concat([Buffer.from([0x02 | (key.y[31]! & 1)]), key.x]);
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  const body = Buffer.concat([algorithm, bitString]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * A JWK of any key, exported from a fresh parse. On Node 20, exporting a JWK straight from a KeyObject that
 * `generateKeyPairSync` returned can deadlock (the export holds the key's lock while allocating; a garbage
 * collection then runs the generation job's destructor, which takes the same lock): seen about one run in
 * five when exporting 3000 generated keys as JWK.
 */
export function jwkOf(key: KeyObject): JsonWebKey {
  const fresh =
    key.type === 'private'
      ? createPrivateKey(key.export({ type: 'pkcs8', format: 'pem' }))
      : createPublicKey(key.export({ type: 'spki', format: 'pem' }));
  return fresh.export({ format: 'jwk' });
}

/** An ES256 signature as verification certificates carry it (IEEE P1363 r‖s). */
export function signP1363(privateKey: KeyObject, message: Buffer): Buffer {
  return sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

/** Whether `signature` (IEEE P1363) over `message` verifies with `publicKey`. */
export function verifiesP1363(publicKey: KeyObject, message: Buffer, signature: Buffer): boolean {
  return verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}
