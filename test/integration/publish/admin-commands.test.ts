import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { findP256Key, jwkOf } from '../../helpers/p256-keys';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';

const run = promisify(execFile);
const ENFED = new URL('../../../bin/enfed', import.meta.url).pathname;
let db: TestDatabase;
let dir: string;

test.before(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'enfed-admin-'));
});
test.after.always(async () => {
  await db?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function enfed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(ENFED, args, {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test.serial('health authorities, their PEM and JWK keys, and apps are added and listed', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(join(dir, 'ha.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(join(dir, 'ha.jwk'), JSON.stringify(jwkOf(publicKey)));
  await writeFile(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  await writeFile(join(dir, 'rsa.pem'), rsa.export({ type: 'spki', format: 'pem' }));

  t.is(
    (await enfed('admin', 'health-authority', 'add', '--iss', 'ha-1', '--aud', 'node-1', '--name', 'HA One')).code,
    0,
  );
  const pem = await enfed(
    'admin',
    'health-authority',
    'key',
    'add',
    '--iss',
    'ha-1',
    '--kid',
    'v1',
    '--key-file',
    join(dir, 'ha.pem'),
    '--from',
    '2026-01-01T00:00:00Z',
  );
  t.is(pem.code, 0, pem.stderr);
  const jwk = await enfed(
    'admin',
    'health-authority',
    'key',
    'add',
    '--iss',
    'ha-1',
    '--kid',
    'v2',
    '--key-file',
    join(dir, 'ha.jwk'),
    '--from',
    '2026-01-01T00:00:00Z',
    '--thru',
    '2027-01-01T00:00:00Z',
  );
  t.is(jwk.code, 0, jwk.stderr);
  const priv = await enfed(
    'admin',
    'health-authority',
    'key',
    'add',
    '--iss',
    'ha-1',
    '--kid',
    'v3',
    '--key-file',
    join(dir, 'private.pem'),
  );
  t.is(priv.code, 2);
  t.regex(priv.stderr, /private key/);
  const wrongCurve = await enfed(
    'admin',
    'health-authority',
    'key',
    'add',
    '--iss',
    'ha-1',
    '--kid',
    'v4',
    '--key-file',
    join(dir, 'rsa.pem'),
  );
  t.is(wrongCurve.code, 2);
  t.regex(wrongCurve.stderr, /P-256/);

  const app = await enfed(
    'admin',
    'app',
    'add',
    'Com.Example.App',
    '--regions',
    'us-ca,US-NV',
    '--health-authorities',
    'ha-1',
  );
  t.is(app.code, 0, app.stderr);
  t.regex(app.stdout, /added app com\.example\.app: regions US-CA,US-NV/);

  const apps = JSON.parse((await enfed('admin', 'app', 'list', '--json')).stdout);
  t.deepEqual(apps, [
    {
      healthAuthorityID: 'com.example.app',
      regions: ['US-CA', 'US-NV'],
      healthAuthorities: ['ha-1'],
      bypassVerification: false,
      bypassRevisionToken: false,
    },
  ]);
  const keys = JSON.parse(
    (await enfed('admin', 'health-authority', 'key', 'list', '--iss', 'ha-1', '--json')).stdout,
  ) as Array<Record<string, unknown>>;
  t.deepEqual(
    keys.map((k) => [k.kid, k.from, k.thru]),
    [
      ['v1', '2026-01-01T00:00:00.000Z', null],
      ['v2', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ],
  );
  t.regex(keys[1]!.publicKeyPem as string, /^-----BEGIN PUBLIC KEY-----\n/);
  t.regex((await enfed('admin', 'health-authority', 'list')).stdout, /ha-1\taud=node-1\tname=HA One\tkeys=v1,v2/);
});

test.serial('bad arguments give a clear error and exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['admin', 'app', 'add'], /healthAuthorityID/],
    [['admin', 'app', 'add', 'x', '--regions', 'US'], /--health-authorities/],
    [
      ['admin', 'app', 'add', 'x', '--regions', 'US', '--health-authorities', 'nobody'],
      /no health authority with iss "nobody"/,
    ],
    [['admin', 'app', 'list', '--bogus'], /bogus/],
    [['admin', 'health-authority', 'add', '--iss', 'x'], /--aud is required/],
    [
      ['admin', 'health-authority', 'key', 'add', '--iss', 'ha-1', '--kid', 'v9', '--key-file', '/nonexistent.pem'],
      /cannot read/,
    ],
    [
      [
        'admin',
        'health-authority',
        'key',
        'add',
        '--iss',
        'ha-1',
        '--kid',
        'v9',
        '--key-file',
        'x',
        '--from',
        'yesterday',
      ],
      /ISO 8601/,
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => enfed(...args)));
  results.forEach((r, i) => {
    t.is(r.code, 2, cases[i]![0].join(' '));
    t.regex(r.stderr, cases[i]![1]);
  });
});

test.serial(
  'keys whose X starts 0x3F (1 in 256, once refused) are added as health authority and signing keys',
  async (t) => {
    const key = findP256Key((k) => k.x[0] === 0x3f);
    await writeFile(join(dir, 'ha-3f.pem'), key.spkiPem);
    await writeFile(join(dir, 'ha-3f.jwk'), key.publicJwk);
    await writeFile(join(dir, 'signing-3f.pem'), key.pkcs8Pem);
    t.is((await enfed('admin', 'health-authority', 'add', '--iss', 'ha-3f', '--aud', 'node-1')).code, 0);
    const addKey = (kid: string, file: string) =>
      enfed('admin', 'health-authority', 'key', 'add', '--iss', 'ha-3f', '--kid', kid, '--key-file', join(dir, file));
    const pem = await addKey('v1', 'ha-3f.pem');
    t.is(pem.code, 0, pem.stderr);
    const jwk = await addKey('v2', 'ha-3f.jwk');
    t.is(jwk.code, 0, jwk.stderr);
    const keys = JSON.parse(
      (await enfed('admin', 'health-authority', 'key', 'list', '--iss', 'ha-3f', '--json')).stdout,
    ) as Array<Record<string, unknown>>;
    t.deepEqual(
      keys.map((k) => [k.kid, k.publicKeyPem]),
      [
        ['v1', key.spkiPem],
        ['v2', key.spkiPem],
      ],
    );

    const signing = await enfed(
      'admin',
      'signing-key',
      'create',
      '--key-id',
      '310',
      '--import',
      join(dir, 'signing-3f.pem'),
    );
    t.is(signing.code, 0, signing.stderr);
    t.true(signing.stdout.includes(key.spkiPem), "prints the imported key's public key");
  },
);
