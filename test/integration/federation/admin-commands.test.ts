import test from 'ava';
import { UsageError } from '../../../cli/command';
import { partnerAddCommand } from '../../../core/federation/admin/partner-add.command';
import { partnerRevokeCommand } from '../../../core/federation/admin/partner-revoke.command';
import { upstreamAddCommand } from '../../../hub/sources/federation/admin/upstream-add.command';
import { upstreamRemoveCommand } from '../../../hub/sources/federation/admin/upstream-remove.command';
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
  const quiet = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const files = ['--ca', certs.caPath, '--cert', certs.certPath('hub'), '--key', certs.keyPath('hub')];
    t.is(
      await upstreamAddCommand.run(
        [
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
        ],
        env,
      ),
      0,
    );
    t.is(
      await upstreamAddCommand.run(['--name', 'h2', '--address', 'localhost:9443', ...files, '--include', 'CA'], env),
      1,
    );
    const upstream = (await db.pool.query('select * from federation_in_queries')).rows[0];
    t.like(upstream, {
      name: 'h2',
      upstream_kind: 'partner',
      include_regions: ['CA'],
      interval_seconds: 120,
      only_local_provenance: true,
    });

    t.is(
      await partnerAddCommand.run(
        ['--name', 'h2', '--cert', certs.certPath('partner'), '--include', 'CA,NY', '--upstream', 'h2'],
        env,
      ),
      0,
    );
    const partner = (await db.pool.query('select * from partner_authorizations')).rows[0];
    t.like(partner, { cert_fingerprint: certs.fingerprint('partner'), origin_query_id: upstream.id, enabled: true });
    t.is(await partnerRevokeCommand.run(['--name', 'h2'], env), 0);
    t.false((await db.pool.query('select enabled from partner_authorizations')).rows[0].enabled);
    // The same certificate again: the revoked row comes back with the new settings; while enabled, a conflict.
    t.is(
      await partnerAddCommand.run(['--name', 'h2-again', '--cert', certs.certPath('partner'), '--include', 'TX'], env),
      0,
    );
    t.like((await db.pool.query('select * from partner_authorizations')).rows, [
      { name: 'h2-again', include_regions: ['TX'], origin_query_id: null, enabled: true },
    ]);
    t.is(
      await partnerAddCommand.run(['--name', 'h2-third', '--cert', certs.certPath('partner'), '--include', 'TX'], env),
      1,
    );
    t.is(await upstreamRemoveCommand.run(['--name', 'h2'], env), 0);
    t.is((await db.pool.query('select count(*)::int as n from federation_in_queries')).rows[0].n, 0);
  } finally {
    process.stdout.write = quiet;
  }
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
    await t.throwsAsync(partnerAddCommand.run(args, env), { instanceOf: UsageError });
  });
}
