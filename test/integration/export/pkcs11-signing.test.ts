import { createHash, randomBytes, verify } from 'node:crypto';
import test from 'ava';
import { exportRepositories } from '../../../core/export/batches/export-repositories';
import { runExportWorker } from '../../../core/export/batches/run-export-worker';
import { scheduleBatches } from '../../../core/export/batches/schedule-batches';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { rawEcdsaToDer } from '../../../core/signing/ecdsa-encoding';
import { Pkcs11Token } from '../../../core/signing/pkcs11-token';
import { rotateSigningKey } from '../../../core/signing/signing-keys';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { enfedInProcess } from '../../helpers/cli';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { createSoftHsmToken, SOFTHSM_LIBRARY, type SoftHsmToken } from '../../helpers/softhsm';
import { startTestNode } from '../../helpers/test-servers';
import { parseNodeConfig } from '../../../node/node.config';
import { testLogger } from '../../helpers/test-database';
import { addConfig, createExportKit, fileRows, hours, readExport, workerDeps, type ExportKit } from './export-kit';

let hsm: SoftHsmToken;

test.before(() => {
  hsm = createSoftHsmToken();
});

test.after.always(() => hsm?.destroy());

/** PKCS11_* as the token's settings (the PIN through an env: reference). */
function pkcs11Settings(env: Record<string, string>) {
  return {
    PKCS11_LIBRARY: env.PKCS11_LIBRARY,
    PKCS11_TOKEN_LABEL: env.PKCS11_TOKEN_LABEL,
    PKCS11_PIN: { kind: 'env' as const, name: 'ENFED_TEST_HSM_PIN' },
  };
}

/** Schedules and builds the closed windows at `now` with the token for HSM keys. */
async function exportWithToken(kit: ExportKit, now: Date, token: Pkcs11Token) {
  await scheduleBatches({
    ...exportRepositories(kit.db.pool, UNSEALED),
    logger: testLogger(),
    now,
    truncateWindowSeconds: 3600,
    minWindowAgeSeconds: 3600,
    retentionSeconds: 14 * 86400,
  });
  return runExportWorker({ ...workerDeps(kit, now), signingToken: token });
}

test('r ‖ s becomes DER with positive, minimal INTEGERs', (t) => {
  const r = Buffer.concat([Buffer.of(0x80), randomBytes(31)]);
  const s = Buffer.concat([Buffer.alloc(2), Buffer.of(0x01), randomBytes(29)]);
  const der = rawEcdsaToDer(Buffer.concat([r, s]));
  t.deepEqual(der.subarray(0, 5), Buffer.of(0x30, 2 + 33 + 2 + 30, 0x02, 33, 0x00));
  t.deepEqual(der.subarray(5, 37), r);
  t.deepEqual(der.subarray(37, 39), Buffer.of(0x02, 30));
  t.deepEqual(der.subarray(39), s.subarray(2));
});

test('a P-256 key made in the token signs SHA-256 digests that node:crypto verifies', async (t) => {
  const token = (await Pkcs11Token.open(pkcs11Settings(hsm.env), hsm.env))!;
  try {
    const publicKeyPem = await token.generateP256KeyPair('unit-key');
    t.regex(publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    await t.throwsAsync(() => token.generateP256KeyPair('unit-key'), { message: /a key labelled "unit-key" exists/ });
    // Enough signatures that some r or s start with a set bit or a zero byte (the DER edge cases).
    const files = Array.from({ length: 64 }, () => randomBytes(100));
    const signatures = await Promise.all(
      files.map((file) => token.signDigest('unit-key', createHash('sha256').update(file).digest())),
    );
    for (const [i, file] of files.entries()) {
      t.true(verify('sha256', file, { key: publicKeyPem, dsaEncoding: 'der' }, signatures[i]!));
    }
    await t.throwsAsync(() => token.signDigest('no-such-key', Buffer.alloc(32)), {
      message: /no private key labelled/,
    });
  } finally {
    await token.close();
  }
});

// Serial, so that no other session of this process is logged in (a login is per process: a second session of an
// application already logged in is not asked for the PIN again).
test.serial('a wrong PIN or token label is refused at open, naming the setting, never the PIN', async (t) => {
  const wrongPin = await t.throwsAsync(() =>
    Pkcs11Token.open(pkcs11Settings(hsm.env), { ENFED_TEST_HSM_PIN: '999999' }),
  );
  t.regex(wrongPin.message, /login to "enfed-test" with PKCS11_PIN \(env:ENFED_TEST_HSM_PIN\) failed/);
  t.false(wrongPin.message.includes('999999'));
  const settings = { ...pkcs11Settings(hsm.env), PKCS11_TOKEN_LABEL: 'nope' };
  await t.throwsAsync(() => Pkcs11Token.open(settings, hsm.env), { message: /no token labelled "nope"/ });
});

test('signing-key create --hsm: the key is made in the token, exports are signed there and verify with the printed key', async (t) => {
  const kit = await createExportKit();
  const env = { DATABASE_URL: kit.db.url, LOG_LEVEL: 'silent', ...hsm.env };
  let token: Pkcs11Token | undefined;
  try {
    const created = await enfedInProcess(['admin', 'signing-key', 'create', '--key-id', '310', '--hsm'], env);
    t.is(created.code, 0, created.stderr);
    t.regex(created.stdout, /^verification_key_id: 310\nverification_key_version: v1\n/);
    const label = /pkcs11_label: (enfed-export-310-v1-[0-9a-f]{8})\n/.exec(created.stdout)?.[1];
    const printedPem = /-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n/.exec(created.stdout)?.[0];
    t.truthy(label && printedPem);
    // Nothing of the private key is in the database: only the token's label.
    const { rows } = await kit.db.pool.query('select private_key_sealed, pkcs11_label from signing_keys');
    t.deepEqual(rows, [{ private_key_sealed: null, pkcs11_label: label }]);
    // The export tests run on their own clock: the key becomes active an hour before their first window.
    await kit.db.pool.query('update signing_keys set active_from = $1', [hours(-1)]);

    token = (await Pkcs11Token.open(pkcs11Settings(hsm.env), hsm.env))!;
    const config = await addConfig(kit);
    await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(0) }), makeKey({ createdAt: hours(0) })]);
    t.like(await exportWithToken(kit, hours(3), token), { batches: 2, files: 1, failed: 0 });
    const [file] = await fileRows(kit, config.id);
    const first = await readExport(kit, file!.filename);
    t.is(first.signatures.length, 1);
    t.like(first.signatures[0]!.signatureInfo, { verificationKeyId: '310', verificationKeyVersion: 'v1' });
    t.true(verify('sha256', first.bin, { key: printedPem!, dsaEncoding: 'der' }, first.signatures[0]!.signature));

    // Rotation keeps working: a database key (sealed) and then a second HSM key sign beside the first.
    const sealer = UNSEALED;
    await rotateSigningKey(kit.db.pool, sealer, { keyId: '310', now: hours(3), overlapSeconds: 86400 });
    const third = await rotateSigningKey(kit.db.pool, sealer, {
      keyId: '310',
      now: hours(3),
      overlapSeconds: 86400,
      pkcs11: token,
    });
    t.regex(third.key.pkcs11Label ?? '', /^enfed-export-310-v3-/);
    await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(4) })]);
    t.like(await exportWithToken(kit, hours(6), token), { files: 1, failed: 0 });
    const later = (await fileRows(kit, config.id)).at(-1)!;
    const second = await readExport(kit, later.filename);
    const keys = await new SigningKeyRepository(kit.db.pool, sealer).list();
    t.deepEqual(
      second.signatures.map((s) => s.signatureInfo.verificationKeyVersion),
      ['v1', 'v2', 'v3'],
    );
    for (const [i, signature] of second.signatures.entries()) {
      t.true(verify('sha256', second.bin, { key: keys[i]!.publicKeyPem, dsaEncoding: 'der' }, signature.signature));
    }

    const noHsm = await enfedInProcess(['admin', 'signing-key', 'create', '--key-id', '310', '--hsm'], {
      DATABASE_URL: kit.db.url,
    });
    t.is(noHsm.code, 2);
    t.regex(noHsm.stderr, /--hsm needs PKCS11_LIBRARY, PKCS11_TOKEN_LABEL and PKCS11_PIN/);
    t.false(created.stdout.includes(hsm.pin) || created.stderr.includes(hsm.pin));
  } finally {
    await token?.close();
    await kit.destroy();
  }
});

test('a node opens the token at start-up from PKCS11_*; the three settings go together', async (t) => {
  t.throws(() => parseNodeConfig({ PKCS11_PIN: '1234' }), {
    message: /PKCS11_PIN: expected a secret reference .*\(value hidden\)/,
  });
  t.throws(() => parseNodeConfig({ PKCS11_LIBRARY: SOFTHSM_LIBRARY }), {
    message: /PKCS11_LIBRARY, PKCS11_TOKEN_LABEL and PKCS11_PIN are set together/,
  });
  const node = await startTestNode({ env: hsm.env });
  try {
    const token = node.server.context.signingToken;
    t.is(token?.tokenLabel, 'enfed-test');
    const pem = await token!.generateP256KeyPair('node-key');
    const digest = createHash('sha256').update('export.bin').digest();
    t.true(
      verify(
        'sha256',
        Buffer.from('export.bin'),
        { key: pem, dsaEncoding: 'der' },
        await token!.signDigest('node-key', digest),
      ),
    );
  } finally {
    await node.destroy();
  }
});
