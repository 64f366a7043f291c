import path from 'node:path';
import test from 'ava';
import { enfedInProcess } from '../../helpers/cli';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';

let db: TestDatabase;
let certs: TestCerts;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  [db, certs] = await Promise.all([createTestDatabase(), generateTestCerts(['node-a'])]);
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
});

test.after.always(async () => {
  await db?.destroy();
  await certs?.destroy();
});

test.serial('upstream add/remove and partner add (by certificate, linked to the upstream) / revoke', async (t) => {
  const enfed = async (...args: string[]) => (await enfedInProcess(['admin', ...args], env)).code;
  const files = ['--ca', certs.caPath, '--cert', certs.certPath('hub'), '--key', certs.keyPath('hub')];
  t.is(
    await enfed(
      'upstream',
      'add',
      '--name',
      'h2',
      '--address',
      'localhost:9443',
      ...files,
      '--include',
      'ca',
      '--kind',
      'partner',
      '--interval',
      '2m',
    ),
    0,
  );
  t.is(await enfed('upstream', 'add', '--name', 'h2', '--address', 'localhost:9443', ...files, '--include', 'CA'), 1);
  const upstream = (await db.pool.query('select * from federation_in_queries')).rows[0];
  t.like(upstream, {
    name: 'h2',
    upstream_kind: 'partner',
    include_regions: ['CA'],
    interval_seconds: 120,
    only_local_provenance: true,
  });

  t.is(
    await enfed(
      'partner',
      'add',
      '--name',
      'h2',
      '--cert',
      certs.certPath('partner'),
      '--include',
      'CA,NY',
      '--upstream',
      'h2',
    ),
    0,
  );
  const partner = (await db.pool.query('select * from partner_authorizations')).rows[0];
  t.like(partner, { cert_fingerprint: certs.fingerprint('partner'), origin_query_id: upstream.id, enabled: true });
  t.is(await enfed('partner', 'revoke', '--name', 'h2'), 0);
  t.false((await db.pool.query('select enabled from partner_authorizations')).rows[0].enabled);
  // The same certificate again: the revoked row comes back with the new settings; while enabled, a conflict.
  t.is(await enfed('partner', 'add', '--name', 'h2-again', '--cert', certs.certPath('partner'), '--include', 'TX'), 0);
  t.like((await db.pool.query('select * from partner_authorizations')).rows, [
    { name: 'h2-again', include_regions: ['TX'], origin_query_id: null, enabled: true },
  ]);
  t.is(await enfed('partner', 'add', '--name', 'h2-third', '--cert', certs.certPath('partner'), '--include', 'TX'), 1);
  t.is(await enfed('upstream', 'remove', '--name', 'h2'), 0);
  t.is((await db.pool.query('select count(*)::int as n from federation_in_queries')).rows[0].n, 0);
});

const usageMistakes: [string, string[]][] = [
  ['no certificate or fingerprint', ['--name', 'x', '--include', 'CA']],
  ['both certificate and fingerprint', ['--name', 'x', '--cert', 'a', '--fingerprint', 'b', '--include', 'CA']],
  ['a fingerprint that is not SHA-256', ['--name', 'x', '--fingerprint', 'abc', '--include', 'CA']],
  ['no regions', ['--name', 'x', '--fingerprint', 'a'.repeat(64)]],
  ['an unknown option', ['--name', 'x', '--bogus']],
];
for (const [name, args] of usageMistakes) {
  test(`partner add refuses ${name}`, async (t) => {
    const run = await enfedInProcess(['admin', 'partner', 'add', ...args], env);
    t.is(run.code, 2, 'a usage mistake');
    t.regex(run.stderr, /Usage: enfed admin partner add/);
  });
}

test.serial('upstream add stores absolute TLS paths and refuses files it cannot use, naming the file', async (t) => {
  const relative = (file: string) => path.relative(process.cwd(), file);
  const add = (name: string, cert: string, key: string) =>
    enfedInProcess(
      [
        'admin',
        'upstream',
        'add',
        '--name',
        name,
        '--address',
        'localhost:9443',
        '--include',
        'CA',
        '--ca',
        relative(certs.caPath),
        '--cert',
        cert,
        '--key',
        key,
      ],
      env,
    );
  const ok = await add('rel', relative(certs.certPath('hub')), relative(certs.keyPath('hub')));
  t.is(ok.code, 0, ok.stderr);
  const stored = (await db.pool.query(`select * from federation_in_queries where name = 'rel'`)).rows[0];
  t.like(stored, {
    ca_cert_path: certs.caPath,
    client_cert_path: certs.certPath('hub'),
    client_key_path: certs.keyPath('hub'),
  });

  const mismatched = await add('mismatched', certs.certPath('hub'), certs.keyPath('partner'));
  t.is(mismatched.code, 2);
  t.regex(mismatched.stderr, /--key: .*partner\.key: this key does not belong to the certificate/);
  const missing = await add('missing', '/nonexistent/hub.crt', certs.keyPath('hub'));
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--cert: \/nonexistent\/hub\.crt: no such file/);
  t.is((await db.pool.query(`select count(*)::int as n from federation_in_queries where name <> 'rel'`)).rows[0].n, 0);
  await db.pool.query(`delete from federation_in_queries where name = 'rel'`);
});
