import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import {
  importHealthAuthorityKey,
  InvalidPublicKeyError,
  toVerifyKey,
} from '../../../node/publish/authorities/public-key';
import {
  awkwardP256Keys,
  compressedSpkiPem,
  findP256Key,
  jwkOf,
  newP256Key,
  signP1363,
  verifiesP1363,
} from '../../helpers/p256-keys';

const NOT_A_KEY = 'not a PEM or JWK key';
const NOT_P256 = 'the key must be an EC P-256 (ES256) key';
const PRIVATE = 'this is a private key; give the public key only';

async function refused(t: ExecutionContext, text: string, message: string): Promise<void> {
  const err = await t.throwsAsync(importHealthAuthorityKey(text), { instanceOf: InvalidPublicKeyError });
  t.is(err?.message, message);
  await t.throwsAsync(toVerifyKey(text), { instanceOf: InvalidPublicKeyError, message });
}

for (const { name, key } of awkwardP256Keys()) {
  test(`a health authority key (${name}) imports as PEM and as JWK and verifies its signatures`, async (t) => {
    const message = Buffer.from(`a verification certificate signed by the key: ${name}`);
    const signature = signP1363(key.privateKey, message);

    const fromPem = await importHealthAuthorityKey(key.spkiPem);
    t.is(fromPem, key.spkiPem, 'stored as SPKI PEM of the same key');
    t.is(await importHealthAuthorityKey(key.publicJwk), key.spkiPem, 'a JWK is stored the same way');
    // Surrounding whitespace and the members a JWK usually carries do not matter.
    t.is(await importHealthAuthorityKey(`\n  ${key.spkiPem}\n\n`), key.spkiPem);
    const labelled = { ...(JSON.parse(key.publicJwk) as object), kid: 'v1', use: 'sig', alg: 'ES256' };
    t.is(await importHealthAuthorityKey(JSON.stringify(labelled)), key.spkiPem);

    for (const stored of [fromPem, key.spkiPem, key.publicJwk]) {
      const verifyKey = await toVerifyKey(stored);
      t.is(verifyKey.type, 'public');
      t.true(verifiesP1363(verifyKey, message, signature));
      t.false(verifiesP1363(verifyKey, Buffer.from('another message'), signature));
    }
  });

  test(`the private forms of a health authority key (${name}) are refused`, async (t) => {
    await refused(t, key.pkcs8Pem, PRIVATE);
    await refused(t, key.sec1Pem, PRIVATE);
    await refused(t, key.privateJwk, PRIVATE);
    await refused(t, `${key.spkiPem}${key.pkcs8Pem}`, PRIVATE);
  });
}

test('a compressed-point SPKI is accepted and stored uncompressed', async (t) => {
  const key = findP256Key((k) => k.x[0] === 0x3f);
  t.is(await importHealthAuthorityKey(compressedSpkiPem(key)), key.spkiPem);
});

test('a JWK whose X or Y lost its leading zero byte is still the same key', async (t) => {
  // RFC 7518 wants all 32 bytes, but some encoders strip leading zeros; the number, and so the key, is the same.
  for (const coordinate of ['x', 'y'] as const) {
    const key = findP256Key((k) => k[coordinate][0] === 0);
    const stripped = {
      ...(JSON.parse(key.publicJwk) as object),
      [coordinate]: key[coordinate].subarray(1).toString('base64url'),
    };
    t.is(await importHealthAuthorityKey(JSON.stringify(stripped)), key.spkiPem);
  }
});

test('keys of another type or curve are refused as not P-256', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const ed = generateKeyPairSync('ed25519');
  for (const pair of [rsa, p384, k1, ed]) {
    await refused(t, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), NOT_P256);
    await refused(t, JSON.stringify(jwkOf(pair.publicKey)), NOT_P256);
    // The type is checked first: a private key of the wrong type is refused for its type.
    await refused(t, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), NOT_P256);
  }
  await refused(t, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }), NOT_P256);
  await refused(t, JSON.stringify({ ...(JSON.parse(newP256Key().publicJwk) as object), crv: 'P-384' }), NOT_P256);
});

test('text that is not a usable key is refused', async (t) => {
  const key = findP256Key((k) => k.x[0] === 0);
  const jwk = JSON.parse(key.publicJwk) as { x: string; y: string };
  const lines = key.spkiPem.trim().split('\n');
  const offCurve = key.publicKey.export({ type: 'spki', format: 'der' });
  offCurve.writeUInt8(offCurve.readUInt8(offCurve.length - 1) ^ 1, offCurve.length - 1);
  const garbage = [
    '',
    '   \n',
    'hello',
    '{',
    '{}',
    '{"keys":[]}',
    key.spkiPem.replace('PUBLIC KEY', 'PRIVATE KEY').replace('PUBLIC KEY', 'PRIVATE KEY'),
    [lines[0], lines[1], lines.at(-1)].join('\n'), // truncated body
    `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(120)}\n-----END PUBLIC KEY-----\n`,
    `-----BEGIN PUBLIC KEY-----\n${offCurve.toString('base64')}\n-----END PUBLIC KEY-----\n`,
    JSON.stringify({ kty: 'EC', crv: 'P-256', x: jwk.x }),
    JSON.stringify({ kty: 'EC', crv: 'P-256', x: jwk.x, y: Buffer.alloc(32, 7).toString('base64url') }), // off the curve
    key.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString(),
  ];
  for (const text of garbage) await refused(t, text, NOT_A_KEY);
});

test('the stored form is what createPublicKey reads back', async (t) => {
  const key = findP256Key((k) => k.x[0] === 0x3f);
  const stored = await importHealthAuthorityKey(key.publicJwk);
  t.true(createPublicKey(stored).equals(key.publicKey));
});
