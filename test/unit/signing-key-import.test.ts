import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { BadRequestError } from '../../core/errors/app-error';
import { FileSigner, toExportSigningKey } from '../../core/signing/file-signer';
import { SIGNATURE_ALGORITHM } from '../../core/signing/signature';
import { generateSigningKeyPair, importSigningKeyPair, type PemKeyPair } from '../../core/signing/signing-keys';
import { awkwardP256Keys, coordinatesOf, findP256Key, type P256TestKey } from '../helpers/p256-keys';

const NOT_PEM = 'not a PEM private key';
const NOT_P256 = 'signing keys must be ECDSA P-256 private keys';
const INFO = { verificationKeyId: '310', verificationKeyVersion: 'v1', signatureAlgorithm: SIGNATURE_ALGORITHM };

/** Signs `file` the way exports are signed (DER ECDSA over SHA-256) with the pair's stored private key. */
async function signAsExport(pair: PemKeyPair, file: Buffer): Promise<Buffer> {
  const signer = new FileSigner([toExportSigningKey(INFO, pair.privateKeyPem)]);
  signer.update(file);
  return (await signer.finish())[0]!.signature;
}

/** The pair is one key: PKCS#8 and SPKI PEM, the public half derived from the private, and it signs. */
async function assertConsistentPair(t: ExecutionContext, pair: PemKeyPair): Promise<void> {
  t.regex(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
  t.regex(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
  const derived = createPublicKey(createPrivateKey(pair.privateKeyPem)).export({ type: 'spki', format: 'pem' });
  t.is(derived.toString(), pair.publicKeyPem);
  const file = Buffer.from('export.bin contents');
  t.true(verify('sha256', file, { key: pair.publicKeyPem, dsaEncoding: 'der' }, await signAsExport(pair, file)));
}

async function refused(t: ExecutionContext, text: string, message: string): Promise<void> {
  const err = await t.throwsAsync(importSigningKeyPair(text), { instanceOf: BadRequestError });
  t.is(err?.code, 'invalid_signing_key');
  t.is(err?.message, message);
}

for (const { name, key } of awkwardP256Keys()) {
  test(`a signing key (${name}) imports as PKCS#8 and SEC1 PEM and signs for its public key`, async (t) => {
    for (const pem of [key.pkcs8Pem, key.sec1Pem, `\n${key.pkcs8Pem}\n`]) {
      const pair = await importSigningKeyPair(pem);
      t.deepEqual(pair, { privateKeyPem: key.pkcs8Pem, publicKeyPem: key.spkiPem });
      await assertConsistentPair(t, pair);
      const file = Buffer.from(`an export signed by the key: ${name}`);
      t.true(verify('sha256', file, { key: key.publicKey, dsaEncoding: 'der' }, await signAsExport(pair, file)));
    }
  });
}

/** Generates signing key pairs until one has the property; every pair on the way must be consistent too. */
async function generateUntil(
  t: ExecutionContext,
  property: (xy: { x: Buffer; y: Buffer }) => boolean,
): Promise<PemKeyPair> {
  for (let i = 0; i < 100_000; i++) {
    const pair = await generateSigningKeyPair();
    const derived = createPublicKey(createPrivateKey(pair.privateKeyPem)).export({ type: 'spki', format: 'pem' });
    if (derived.toString() !== pair.publicKeyPem) t.fail('generated public key does not match its private key');
    if (property(coordinatesOf(pair.publicKeyPem))) return pair;
  }
  throw new Error('no generated key with the property');
}

for (const [name, property] of [
  ['X starts 0x3F', (k: { x: Buffer }) => k.x[0] === 0x3f],
  ['X starts 0x00', (k: { x: Buffer }) => k.x[0] === 0],
  ['Y starts 0x00', (k: { y: Buffer }) => k.y[0] === 0],
] as const) {
  test(`generated signing keys are normalised PEM pairs, including one whose ${name}`, async (t) => {
    const pair = await generateUntil(t, property);
    await assertConsistentPair(t, pair);
    t.deepEqual(await importSigningKeyPair(pair.privateKeyPem), pair, 'importing a generated key changes nothing');
  });
}

test('keys that are not P-256 private keys are refused as such', async (t) => {
  const key: P256TestKey = findP256Key((k) => k.x[0] === 0x3f);
  await refused(t, key.spkiPem, NOT_P256);
  for (const pair of [
    generateKeyPairSync('rsa', { modulusLength: 1024 }),
    generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
    generateKeyPairSync('ed25519'),
  ]) {
    await refused(t, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), NOT_P256);
    await refused(t, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), NOT_P256);
  }
});

test('text that is not a PEM private key is refused', async (t) => {
  const key = findP256Key((k) => k.x[0] === 0x3f);
  const lines = key.pkcs8Pem.trim().split('\n');
  for (const text of [
    '',
    'hello',
    key.privateJwk,
    [lines[0], lines[1], lines.at(-1)].join('\n'),
    `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(120)}\n-----END PRIVATE KEY-----\n`,
    key.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString(),
  ]) {
    await refused(t, text, NOT_PEM);
  }
});
