import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { jwkThumbprint } from '../../../core/federation/oidc/jwk-thumbprint';
import { enfedInProcess } from '../../helpers/cli';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';

let db: TestDatabase;
let certs: TestCerts;
let env: NodeJS.ProcessEnv;
const ISSUER = 'https://accounts.google.com';
const JWKS = 'https://www.googleapis.com/oauth2/v3/certs';

test.before(async () => {
  [db, certs] = await Promise.all([createTestDatabase(), generateTestCerts([])]);
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
});

test.after.always(async () => {
  await db?.destroy();
  await certs?.destroy();
});

const enfed = (...args: string[]) => enfedInProcess(['admin', ...args], env);

test.serial('token-issuer add/list/remove, and token partners that need a trusted issuer', async (t) => {
  const partner = ['partner', 'add', '--name', 'ref', '--issuer', ISSUER, '--subject', '1234567890', '--include', 'ca'];
  const untrusted = await enfed(...partner);
  t.is(untrusted.code, 2);
  t.regex(untrusted.stderr, /not trusted yet \(enfed admin token-issuer add\)/);

  t.is((await enfed('token-issuer', 'add', '--issuer', ISSUER, '--jwks-url', JWKS)).code, 0);
  t.is((await enfed('token-issuer', 'add', '--issuer', ISSUER, '--jwks-url', JWKS)).code, 1);
  t.regex((await enfed('token-issuer', 'list')).stdout, /accounts\.google\.com +https:\/\/www\.googleapis\.com/);

  t.is((await enfed(...partner)).code, 0);
  t.is((await enfed(...partner.slice(0, 3), 'other-name', ...partner.slice(4))).code, 1, 'same issuer and subject');
  t.like((await db.pool.query('select * from partner_authorizations')).rows, [
    { name: 'ref', cert_fingerprint: null, token_issuer: ISSUER, token_subject: '1234567890', token_audience: null },
  ]);
  t.regex(
    (await enfed('partner', 'list')).stdout,
    /ref +yes +CA .* token iss=https:\/\/accounts\.google\.com sub=1234567890/,
  );

  // Revoked, then added again with an audience: the same row comes back with the new settings.
  t.is((await enfed('partner', 'revoke', '--name', 'ref')).code, 0);
  t.is((await enfed(...partner, '--audience', 'https://hub.example')).code, 0);
  t.like((await db.pool.query('select * from partner_authorizations')).rows, [
    { name: 'ref', enabled: true, token_audience: 'https://hub.example' },
  ]);

  t.is((await enfed('token-issuer', 'remove', '--issuer', ISSUER)).code, 0);
  t.is((await enfed('token-issuer', 'remove', '--issuer', ISSUER)).code, 1);
});

const usageMistakes: [string, string[]][] = [
  [
    'a certificate and a token identity',
    [
      'partner',
      'add',
      '--name',
      'x',
      '--fingerprint',
      'a'.repeat(64),
      '--issuer',
      ISSUER,
      '--subject',
      's',
      '--include',
      'CA',
    ],
  ],
  ['an issuer without a subject', ['partner', 'add', '--name', 'x', '--issuer', ISSUER, '--include', 'CA']],
  [
    'a JWKS URL that is not https',
    ['token-issuer', 'add', '--issuer', ISSUER, '--jwks-url', 'http://example.com/jwks'],
  ],
  ['a token issuer without a JWKS URL', ['token-issuer', 'add', '--issuer', ISSUER]],
];
for (const [name, args] of usageMistakes) {
  test(`refuses ${name}`, async (t) => {
    const run = await enfed(...args);
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, /Usage: enfed admin/);
  });
}

test.serial(
  'upstream add with a bearer token: a token file, or a minting key; token-jwks prints its public key',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'enfed-token-cli-'));
    try {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ecPath = join(dir, 'sa.key');
      writeFileSync(ecPath, ec.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const rsaPath = join(dir, 'rsa.key');
      writeFileSync(
        rsaPath,
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
      );
      const base = ['upstream', 'add', '--address', 'ref.example:443', '--ca', certs.caPath, '--include', 'CA'];

      t.is((await enfed(...base, '--name', 'by-file', '--token-file', join(dir, 'token'))).code, 0);
      const minted = await enfed(
        ...base,
        ...[
          '--name',
          'by-key',
          '--token-key',
          ecPath,
          '--token-issuer',
          'enfed-hub@example',
          '--token-audience',
          'aud',
        ],
      );
      t.is(minted.code, 0, minted.stderr);
      t.like((await db.pool.query('select * from federation_in_queries order by name')).rows, [
        { name: 'by-file', client_cert_path: null, token_file_path: join(dir, 'token'), token_key_path: null },
        { name: 'by-key', token_key_path: ecPath, token_subject: 'enfed-hub@example', token_audience: 'aud' },
      ]);
      t.regex((await enfed('upstream', 'list')).stdout, /by-file +node +ref\.example:443 +token-file/);

      const jwks = await enfed('upstream', 'token-jwks', '--token-key', ecPath);
      t.is(jwks.code, 0);
      const published = JSON.parse(jwks.stdout) as { keys: Record<string, string>[] };
      t.like(published.keys[0], {
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: jwkThumbprint(ec.publicKey),
      });
      t.false('d' in (published.keys[0] ?? {}), 'no private part');

      const refusals: [string, string[], RegExp][] = [
        ['no identity at all', [], /give --cert and --key, or a bearer token/],
        ['file and key', ['--token-file', 'x', '--token-key', ecPath], /not both/],
        ['minting options without a key', ['--token-file', 'x', '--token-issuer', 'i'], /go with --token-key/],
        ['a key without an audience', ['--token-key', ecPath, '--token-issuer', 'i'], /--token-audience is required/],
        ['an RSA key', ['--token-key', rsaPath, '--token-issuer', 'i', '--token-audience', 'a'], /EC P-256/],
      ];
      for (const [what, args, message] of refusals) {
        const run = await enfed(...base, '--name', 'refused', ...args);
        t.is(run.code, 2, what);
        t.regex(run.stderr, message, what);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
