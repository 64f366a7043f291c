import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { dropDatabase, ensureDatabase } from '../../../core/db/admin';
import { migrate, openDatabase } from '../../../core/db/database';
import { parseKek } from '../../../core/secrets/kek';
import { KekSealer } from '../../../core/secrets/kek-sealer';
import { isSealed, sealedKekId } from '../../../core/secrets/sealed-secret';
import { SEALED_COLUMNS } from '../../../core/secrets/sealed-columns';
import { ServerSecretRepository } from '../../../core/secrets/server-secret.repository';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey, loadExportSigningKeys } from '../../../core/signing/signing-keys';
import { startNode } from '../../../node/main';
import { parseNodeConfig } from '../../../node/node.config';
import { RevisionKeyRepository } from '../../../node/publish/revision/revision-key.repository';
import { captureLogs } from '../../helpers/captured-logs';
import { enfedInProcess } from '../../helpers/cli';
import { createTestDatabase, databaseUrl, testLogger, uniqueName } from '../../helpers/test-database';
import { testEnv } from '../../helpers/test-servers';
import type pg from 'pg';

const LAST_MIGRATION_BEFORE_KEK = 'Migration20261130300001StateCodes';

/** A fresh KEK as an operator makes one (openssl rand -base64 32). */
const newKekText = () => randomBytes(32).toString('base64');

/** Every secret value stored in the sealed columns. */
async function storedSecrets(pool: pg.Pool): Promise<Buffer[]> {
  const values: Buffer[] = [];
  for (const { table, column } of SEALED_COLUMNS) {
    const { rows } = await pool.query<{ v: Buffer }>(`select ${column} as v from ${table} where ${column} is not null`);
    values.push(...rows.map((r) => r.v));
  }
  return values;
}

test('rows stored in plaintext before the KEK migration are sealed at start-up and still work', async (t) => {
  const url = databaseUrl(uniqueName('enfed_test_kek'));
  await ensureDatabase(url);
  const db = await openDatabase(url, testLogger(), { poolSize: 2 });
  const logs = captureLogs('trace');
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  try {
    // The schema as it was before sealed secrets, with the secrets an existing server had written in plaintext.
    await db.orm.getMigrator().up({ to: LAST_MIGRATION_BEFORE_KEK });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' });
    await db.pool.query(
      `insert into signing_keys (key_id, version, private_key_pem, public_key_pem, active_from)
       values ('310', 'v1', $1, $2, now() - interval '1 hour')`,
      [pem, publicPem],
    );
    const revisionKey = randomBytes(32);
    await db.pool.query(`insert into revision_token_keys (key_bytes, created_at) values ($1, now())`, [revisionKey]);
    const macKey = randomBytes(32);
    await db.pool.query(`insert into server_secrets (name, sealed) values ('one-time-code-mac', $1)`, [macKey]);
    await migrate(db.orm);
    // A hub's COVID Alert source written before a KEK was configured (the table came with a later migration).
    const retrieveKey = randomBytes(32);
    await db.pool.query(
      `insert into covid_alert_sources (name, base_url, retrieve_region, region, retrieve_key_sealed, public_key_pem,
         interval_seconds) values ('ca', 'https://retrieve.example', '302', 'CA', $1, $2, 3600)`,
      [retrieveKey, publicPem],
    );

    const kekText = newKekText();
    const env = testEnv(url, { KEK: 'env:ENFED_TEST_KEK', ENFED_TEST_KEK: kekText, LOG_LEVEL: 'trace' });
    node = await startNode(parseNodeConfig(env), { logger: logs.logger, env });
    const kek = new KekSealer(parseKek(kekText, 'test'));

    const stored = await storedSecrets(db.pool);
    t.true(stored.length >= 4);
    t.true(stored.every((v) => isSealed(v) && sealedKekId(v) === kek.kekId));
    // The node opens them through its own sealer: the migrated PEM signs, the other keys are the same bytes.
    const [signing] = await loadExportSigningKeys(new SigningKeyRepository(db.pool, node.context.sealer), new Date());
    t.is(signing?.info.verificationKeyId, '310');
    const revision = await new RevisionKeyRepository(db.pool, node.context.sealer).load();
    t.true(revision.some((k) => k.secret.equals(revisionKey)));
    t.deepEqual(await new ServerSecretRepository(db.pool, kek).get('one-time-code-mac', 32), macKey);

    // The start-up logged what it sealed, by table and KEK id, and nothing secret.
    const line = logs.lines().find((l) => l.msg === 'plaintext secrets sealed under the KEK');
    t.like(line, {
      kek: kek.kekId,
      sealed: { signing_keys: 1, revision_token_keys: 1, server_secrets: 1, covid_alert_sources: 1 },
    });
    const text = logs.text();
    const pemBody = pem.split('\n')[1]!;
    for (const secret of [kekText, kek.current.key.toString('hex'), pemBody, revisionKey, macKey].map((s) =>
      typeof s === 'string' ? s : s.toString('base64'),
    ))
      t.false(text.includes(secret));
    t.false(text.includes(revisionKey.toString('hex')) || text.includes(macKey.toString('hex')));
  } finally {
    await node?.stop();
    await db.close();
    await dropDatabase(url);
  }
});

test('a server refuses to start when the secrets are sealed under another KEK, or when it has none', async (t) => {
  const db = await createTestDatabase();
  try {
    const right = new KekSealer(parseKek(newKekText(), 'test'));
    await new ServerSecretRepository(db.pool, right).get('one-time-code-mac', 32);
    const wrongText = newKekText();
    const wrong = new KekSealer(parseKek(wrongText, 'test'));
    const env = testEnv(db.url, { KEK: 'env:K', K: wrongText });
    const refused = await t.throwsAsync(() => startNode(parseNodeConfig(env), { logger: testLogger(), env }));
    t.is((refused as { code?: string }).code, 'kek_unknown');
    t.true(refused.message.includes(right.kekId) && refused.message.includes(wrong.kekId));
    t.false(refused.message.includes(wrongText));
    const noKek = testEnv(db.url);
    const missing = await t.throwsAsync(() => startNode(parseNodeConfig(noKek), { logger: testLogger(), env: noKek }));
    t.regex(missing.message, new RegExp(`sealed under KEK ${right.kekId} but no KEK is configured`));
  } finally {
    await db.destroy();
  }
});

test('enfed admin kek seal seals plaintext rows; kek rewrap moves everything to a new KEK in one transaction', async (t) => {
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'enfed-kek-'));
  try {
    // A server that ran without a KEK: its secrets are in plaintext.
    const signing = await createSigningKey(new SigningKeyRepository(db.pool, UNSEALED), {
      keyId: '310',
      now: new Date(),
    });
    await new RevisionKeyRepository(db.pool, UNSEALED).rotate(new Date(), 3600, 86400);
    const mac = await new ServerSecretRepository(db.pool, UNSEALED).get('one-time-code-mac', 32);
    const [k1, k2, k3] = [newKekText(), newKekText(), newKekText()];
    writeFileSync(join(dir, 'k2'), `${k2}\n`);
    const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', KEK: 'env:K1', K1: k1, K3: k3 };
    const sealer1 = new KekSealer(parseKek(k1, 't'));
    const sealer2 = new KekSealer(parseKek(k2, 't'));

    const sealed = await enfedInProcess(['admin', 'kek', 'seal'], env);
    t.is(sealed.code, 0, sealed.stderr);
    t.is(
      sealed.stdout,
      `sealed 3 secret(s): server_secrets 1, signing_keys 1, revision_token_keys 1 under KEK ${sealer1.kekId}\n`,
    );
    t.regex((await enfedInProcess(['admin', 'kek', 'seal'], env)).stdout, /^sealed 0 secret\(s\) under KEK/);
    t.true((await storedSecrets(db.pool)).every((v) => sealedKekId(v) === sealer1.kekId));

    const rewrap = await enfedInProcess(['admin', 'kek', 'rewrap', '--from', 'env:K1', '--to', `file:${dir}/k2`], env);
    t.is(rewrap.code, 0, rewrap.stderr);
    t.regex(
      rewrap.stdout,
      new RegExp(`^re-wrapped 3 secret\\(s\\).* from KEK ${sealer1.kekId} to KEK ${sealer2.kekId}\\n`),
    );
    const stored = await storedSecrets(db.pool);
    t.true(stored.every((v) => sealedKekId(v) === sealer2.kekId));
    // Under the new KEK everything opens; the old one is refused, clearly.
    t.deepEqual(await new ServerSecretRepository(db.pool, sealer2).get('one-time-code-mac', 32), mac);
    const keys = await new SigningKeyRepository(db.pool, sealer2).activeAt(new Date());
    t.is(keys[0]?.publicKeyPem, signing.publicKeyPem);
    await t.throwsAsync(() => new SigningKeyRepository(db.pool, sealer1).activeAt(new Date()), {
      message: new RegExp(`sealed under KEK ${sealer2.kekId}, not under the configured KEK \\(${sealer1.kekId}\\)`),
    });

    // A wrong --from fails on the first row and changes nothing.
    const wrong = await enfedInProcess(['admin', 'kek', 'rewrap', '--from', 'env:K3', '--to', 'env:K1'], env);
    t.is(wrong.code, 1);
    t.regex(
      wrong.stderr,
      /^enfed: a secret in the database is sealed under KEK [0-9a-f]{16}, not under the configured/,
    );
    t.deepEqual(await storedSecrets(db.pool), stored);
    for (const run of [sealed, rewrap, wrong])
      for (const k of [k1, k2, k3]) t.false(run.stdout.includes(k) || run.stderr.includes(k));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.destroy();
  }
});
