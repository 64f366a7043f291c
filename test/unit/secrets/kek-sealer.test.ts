import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../../core/config/env';
import { parseKek } from '../../../core/secrets/kek';
import { KekSealer } from '../../../core/secrets/kek-sealer';
import { openSecretSealer } from '../../../core/secrets/open-sealer';
import { isSealed, SecretSealError } from '../../../core/secrets/sealed-secret';
import { parseSecretReference, SecretReferenceError } from '../../../core/secrets/secret-reference';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { parseHubConfig } from '../../../hub/hub.config';
import { parseNodeConfig } from '../../../node/node.config';
import { captureLogs } from '../../helpers/captured-logs';

const kek = () => parseKek(randomBytes(32).toString('base64'), 'test');

test('seal then open returns the secret; each seal uses a fresh nonce; the header names the KEK', async (t) => {
  const sealer = new KekSealer(kek());
  const plain = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n');
  const a = await sealer.seal(plain);
  const b = await sealer.seal(plain);
  t.true(isSealed(a));
  t.false(a.equals(b));
  t.false(a.includes(plain.subarray(0, 16)));
  t.deepEqual(await sealer.open(a), plain);
  t.is(a.subarray(5, 13).toString('hex'), sealer.kekId);
  t.deepEqual(await sealer.open(await sealer.seal(Buffer.alloc(0))), Buffer.alloc(0));
});

test('a value sealed under another KEK is refused with a clear error naming both KEK ids only', async (t) => {
  const right = new KekSealer(kek());
  const wrong = new KekSealer(kek());
  const sealed = await right.seal(randomBytes(32));
  const error = await t.throwsAsync(() => wrong.open(sealed), { instanceOf: SecretSealError });
  t.is(error.code, 'kek_unknown');
  t.true(error.message.includes(right.kekId));
  t.true(error.message.includes(wrong.kekId));
  t.regex(error.message, /configure the KEK it was sealed with/);
});

test('a previous KEK still opens; new values are sealed under the current one', async (t) => {
  const old = kek();
  const sealedBefore = await new KekSealer(old).seal(Buffer.from('secret'));
  const rotated = new KekSealer(kek(), [old]);
  t.is((await rotated.open(sealedBefore)).toString(), 'secret');
  const sealedAfter = await rotated.seal(Buffer.from('secret'));
  t.is(sealedAfter.subarray(5, 13).toString('hex'), rotated.kekId);
});

test('an altered sealed value (body or header) fails authentication', async (t) => {
  const sealer = new KekSealer(kek());
  const sealed = await sealer.seal(randomBytes(40));
  const body = Buffer.from(sealed);
  body[30] = body[30]! ^ 1;
  t.is((await t.throwsAsync(() => sealer.open(body), { instanceOf: SecretSealError })).code, 'sealed_secret_corrupt');
  const version = Buffer.from(sealed);
  version[4] = 2;
  t.is((await t.throwsAsync(() => sealer.open(version), { instanceOf: SecretSealError })).code, 'sealed_version');
});

test('plaintext is refused by a KEK sealer; sealed values are refused without a KEK', async (t) => {
  const sealer = new KekSealer(kek());
  const plain = randomBytes(32);
  t.is((await t.throwsAsync(() => sealer.open(plain), { instanceOf: SecretSealError })).code, 'secret_not_sealed');
  t.deepEqual(await UNSEALED.open(plain), plain);
  const sealed = await sealer.seal(plain);
  const error = await t.throwsAsync(() => UNSEALED.open(sealed), { instanceOf: SecretSealError });
  t.is(error.code, 'kek_missing');
  t.true(error.message.includes(sealer.kekId));
});

test('a KEK is 32 bytes as hex or base64; anything else is refused without echoing it', (t) => {
  const bytes = randomBytes(32);
  t.deepEqual(parseKek(bytes.toString('hex'), 'env:K').key, bytes);
  t.deepEqual(parseKek(`${bytes.toString('base64')}\n`, 'env:K').key, bytes);
  const error = t.throws(() => parseKek('correct horse battery staple', 'env:K'), { instanceOf: SecretReferenceError });
  t.false(error.message.includes('horse'));
  t.regex(error.message, /^env:K: a KEK is 32 random bytes/);
});

test('secret references: env:, file:, secret://env/ and secret://file/; other schemes are refused', (t) => {
  t.deepEqual(parseSecretReference('env:ENFED_KEK'), { kind: 'env', name: 'ENFED_KEK' });
  t.deepEqual(parseSecretReference('file:/run/secrets/kek'), { kind: 'file', path: '/run/secrets/kek' });
  t.deepEqual(parseSecretReference('secret://env/ENFED_KEK'), { kind: 'env', name: 'ENFED_KEK' });
  t.deepEqual(parseSecretReference('secret://file/run/secrets/kek'), { kind: 'file', path: '/run/secrets/kek' });
  t.true('problem' in parseSecretReference('file:relative/kek'));
  t.true('problem' in parseSecretReference('azure-key-vault://vault/kek'));
  t.true('problem' in parseSecretReference(randomBytes(32).toString('base64')));
});

test('KEK is validated with the rest of the configuration and a pasted key is never echoed', (t) => {
  const pasted = randomBytes(32).toString('base64');
  const error = t.throws(() => parseNodeConfig({ KEK: pasted, HTTP_PORT: 'x' }), { instanceOf: ConfigError });
  t.is(error.problems.length, 2);
  t.false(error.message.includes(pasted));
  t.regex(error.message, /KEK: expected a secret reference \(env:NAME, file:\/path.*\(value hidden\)/);
  t.throws(() => parseHubConfig({ KEK_PREVIOUS: 'env:OLD' }), { message: /KEK_PREVIOUS is set but KEK is not/ });
  t.deepEqual(parseHubConfig({ KEK: 'file:/run/secrets/kek' }).KEK, { kind: 'file', path: '/run/secrets/kek' });
});

test('the KEK is resolved once from the environment or a file; a missing one names where it looked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'enfed-kek-'));
  try {
    const bytes = randomBytes(32);
    writeFileSync(join(dir, 'kek'), `${bytes.toString('hex')}\n`);
    const fromFile = await openSecretSealer({ KEK: { kind: 'file', path: join(dir, 'kek') } }, {});
    const fromEnv = await openSecretSealer({ KEK: { kind: 'env', name: 'K' } }, { K: bytes.toString('base64') });
    t.true(fromFile instanceof KekSealer && fromEnv instanceof KekSealer);
    t.is((fromFile as KekSealer).kekId, (fromEnv as KekSealer).kekId);
    t.is(await openSecretSealer({}, {}), UNSEALED);
    await t.throwsAsync(() => openSecretSealer({ KEK: { kind: 'env', name: 'NOPE' } }, {}), {
      instanceOf: SecretReferenceError,
      message: 'env:NOPE: the variable is not set',
    });
    await t.throwsAsync(() => openSecretSealer({ KEK: { kind: 'file', path: join(dir, 'none') } }, {}), {
      message: /file:.*none: cannot read \(ENOENT\)/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the logger hides secret, pin and privateKey fields should one ever reach it', (t) => {
  const logs = captureLogs('info');
  const kekText = randomBytes(32).toString('base64');
  logs.logger.info({ revision: { secret: kekText }, hsm: { pin: '246810' }, signing: { privateKey: 'PEMBODY' } }, 'x');
  t.false(logs.text().includes(kekText) || logs.text().includes('246810') || logs.text().includes('PEMBODY'));
  t.like(logs.lines()[0], { revision: { secret: '[redacted]' }, hsm: { pin: '[redacted]' } });
});
