import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { intervalNumber } from '../../../core/keys/intervals';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { KeyPool } from '../../../hub/pool/key-pool';
import { CovidAlertSourceRepository } from '../../../hub/sources/covid-alert/covid-alert-source.repository';
import { pullCovidAlert } from '../../../hub/sources/covid-alert/pull-covid-alert';
import { enfedInProcess } from '../../helpers/cli';
import { RetrieveTestServer } from '../../helpers/covid-alert-retrieve-server';
import { createTestDatabase, testLogger, type TestDatabase } from '../../helpers/test-database';

let db: TestDatabase;
let server: RetrieveTestServer;
let dir: string;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  db = await createTestDatabase();
  server = new RetrieveTestServer(() => new Date());
  await server.start();
  dir = mkdtempSync(path.join(tmpdir(), 'enfed-covid-alert-'));
  writeFileSync(path.join(dir, 'retrieve.key'), `${server.retrieveKey.toString('hex')}\n`);
  writeFileSync(path.join(dir, 'server.pem'), server.publicKeyPem);
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', CA_RETRIEVE_KEY: server.retrieveKey.toString('hex') };
});

test.after.always(async () => {
  await server?.stop();
  await db?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const enfed = (...args: string[]) => enfedInProcess(['admin', 'covid-alert-source', ...args], env);

test.serial('add (key from a file or an env variable), list without the key, pull end to end, remove', async (t) => {
  const common = ['--url', server.url, '--region', 'ca', '--public-key', path.join(dir, 'server.pem')];
  const fromFile = await enfed(
    'add',
    '--name',
    'canada',
    ...common,
    '--retrieve-key-file',
    path.join(dir, 'retrieve.key'),
  );
  t.is(fromFile.code, 0, fromFile.stderr);
  t.regex(fromFile.stdout, /covid-alert source canada added \(id \d+, every 3600s\)/);
  const fromEnv = await enfed('add', '--name', 'canada-2', ...common, '--retrieve-key-env', 'CA_RETRIEVE_KEY');
  t.is(fromEnv.code, 0, fromEnv.stderr);
  t.is((await enfed('add', '--name', 'canada', ...common, '--retrieve-key-env', 'CA_RETRIEVE_KEY')).code, 1);

  const repo = new CovidAlertSourceRepository(db.pool, UNSEALED);
  const [canada] = (await repo.list()).filter((s) => s.name === 'canada');
  t.like(canada, { region: 'CA', retrieveRegion: '302', enabled: true });
  t.deepEqual(await repo.retrieveKey(canada!.id), server.retrieveKey);

  // Keys uploaded yesterday at the test server reach the pool through the source the CLI added.
  const now = new Date();
  const day = Math.floor(now.getTime() / 86_400_000) - 1;
  server.upload(day, [
    {
      keyData: randomBytes(16),
      transmissionRiskLevel: 3,
      rollingStartIntervalNumber: intervalNumber(now) - 144 - (intervalNumber(now) % 144),
      rollingPeriod: 144,
    },
  ]);
  const outcome = await pullCovidAlert(
    {
      db: db.pool,
      keyPool: new KeyPool({ acceptSelfReport: false }),
      logger: testLogger(),
      now: () => new Date(),
      truncateWindowSeconds: 3600,
      servedDays: 14,
      timeoutSeconds: 5,
      maxZipBytes: 1 << 20,
      maxEntryBytes: 1 << 20,
      backoffBaseSeconds: 60,
      backoffMaxSeconds: 3600,
    },
    canada!.id,
  );
  t.like(outcome, { status: 'done', counts: { inserted: 1 } });

  const list = await enfed('list');
  t.is(list.code, 0);
  t.regex(list.stdout, /canada .* 302 +CA .* ok: 1 new key\(s\) from 15 day file\(s\)/);
  t.false(list.stdout.includes(server.retrieveKey.toString('hex')), 'the retrieve key is never printed');

  t.is((await enfed('remove', '--name', 'canada-2')).code, 0);
  t.is((await enfed('remove', '--name', 'canada-2')).code, 1);
  t.deepEqual(
    (await repo.list()).map((s) => s.name),
    ['canada'],
  );
});

test('refuses a bad key, a key on no channel, a non-P-256 public key and a bad MCC before touching anything', async (t) => {
  const pem = path.join(dir, 'server.pem');
  writeFileSync(path.join(dir, 'short.key'), 'abcd');
  const base = ['add', '--name', 'x', '--url', server.url, '--region', 'CA'];
  const cases: string[][] = [
    [...base, '--public-key', pem],
    [...base, '--public-key', pem, '--retrieve-key-file', path.join(dir, 'short.key')],
    [...base, '--public-key', pem, '--retrieve-key-env', 'NOT_SET_ANYWHERE'],
    [...base, '--public-key', path.join(dir, 'retrieve.key'), '--retrieve-key-env', 'CA_RETRIEVE_KEY'],
    [...base, '--public-key', pem, '--retrieve-key-env', 'CA_RETRIEVE_KEY', '--mcc', '30'],
  ];
  for (const args of cases) {
    const run = await enfed(...args);
    t.is(run.code, 2, args.join(' '));
    t.false(run.stderr.includes(server.retrieveKey.toString('hex')));
  }
});
