import test from 'ava';
import { enfedInProcess } from '../../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';

let db: TestDatabase;
let env: NodeJS.ProcessEnv;
const ISSUER = 'https://accounts.google.com';
const JWKS = 'https://www.googleapis.com/oauth2/v3/certs';

test.before(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
});

test.after.always(async () => {
  await db?.destroy();
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
