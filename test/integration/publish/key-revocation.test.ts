import test from 'ava';
import { enfedInProcess } from '../../helpers/cli';
import {
  dailyKeys,
  postPublish,
  publishBody,
  registerAuthorityAndApp,
  type TestAuthority,
} from '../../helpers/publish-fixtures';
import { startTestNode, type TestServer } from '../../helpers/test-servers';
import type { NodeConfig } from '../../../node/node.config';

// A real clock: the CLI stamps the revocation with the wall clock, and the node must judge the key by the same one.
let node: TestServer<NodeConfig>;
let authority: TestAuthority;

test.before(async () => {
  node = await startTestNode({ env: { PUBLISH_CACHE_TTL: '1' } });
  authority = await registerAuthorityAndApp(node.db.orm, { now: new Date() });
});
test.after.always(async () => {
  await node?.destroy();
});

function enfed(...args: string[]) {
  return enfedInProcess(args, { DATABASE_URL: node.db.url, LOG_LEVEL: 'silent' });
}

async function publishOnce(): Promise<{ status: number; code: unknown }> {
  const now = new Date();
  const res = await postPublish(node.server.httpUrl, publishBody(authority, dailyKeys(now, 2), now));
  return { status: res.status, code: res.json.code };
}

/** Publishes until `done` holds (the trust store reloads after its 1 s TTL), at most ~15 s. */
async function publishUntil(done: (r: { status: number; code: unknown }) => boolean) {
  let last = await publishOnce();
  for (let i = 0; i < 60 && !done(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await publishOnce();
  }
  return last;
}

test.serial('a revoked key signs nothing once the trust store reloads; reinstated, it signs again', async (t) => {
  t.is((await publishOnce()).status, 200);

  const revoked = await enfed('admin', 'health-authority', 'key', 'revoke', '--iss', authority.iss, '--kid', 'v1');
  t.is(revoked.code, 0, revoked.stderr);
  t.regex(revoked.stdout, /revoked key v1 of test-ha/);
  const listed = await enfed('admin', 'health-authority', 'key', 'list', '--json');
  const rows = JSON.parse(listed.stdout) as { kid: string; thru: string | null }[];
  t.truthy(rows.find((r) => r.kid === 'v1')?.thru);

  const refused = await publishUntil((r) => r.status !== 200);
  t.deepEqual(refused, { status: 401, code: 'health_authority_verification_certificate_invalid' });

  const again = await enfed('admin', 'health-authority', 'key', 'revoke', '--iss', authority.iss, '--kid', 'v1');
  t.is(again.code, 0);
  t.regex(again.stdout, /already revoked/);

  const reinstated = await enfed(
    'admin',
    'health-authority',
    'key',
    'reinstate',
    '--iss',
    authority.iss,
    '--kid',
    'v1',
  );
  t.is(reinstated.code, 0, reinstated.stderr);
  t.deepEqual(await publishUntil((r) => r.status === 200), { status: 200, code: undefined });
});

test.serial('revoking an unknown key or authority is refused', async (t) => {
  const noKey = await enfed('admin', 'health-authority', 'key', 'revoke', '--iss', authority.iss, '--kid', 'nope');
  t.is(noKey.code, 1);
  t.regex(noKey.stderr, /no key nope of test-ha/);
  const noHa = await enfed('admin', 'health-authority', 'key', 'reinstate', '--iss', 'nobody', '--kid', 'v1');
  t.is(noHa.code, 1);
  t.regex(noHa.stderr, /no health authority/);
  const usage = await enfed('admin', 'health-authority', 'key', 'revoke', '--iss', authority.iss);
  t.is(usage.code, 2);
});

test.serial(
  'add --jwks-uri sets where keys are fetched, --no-jwks-uri clears it, a bad URL is a usage error',
  async (t) => {
    const uri = 'https://ha.example/.well-known/jwks.json';
    t.is((await enfed('admin', 'health-authority', 'add', '--iss', 'ha-j', '--aud', 'n', '--jwks-uri', uri)).code, 0);
    const jwksOf = async () =>
      (
        JSON.parse((await enfed('admin', 'health-authority', 'list', '--json')).stdout) as {
          iss: string;
          jwks: { uri: string } | null;
        }[]
      ).find((a) => a.iss === 'ha-j')?.jwks;
    t.is((await jwksOf())?.uri, uri);
    // Updating the aud alone keeps the uri.
    t.is((await enfed('admin', 'health-authority', 'add', '--iss', 'ha-j', '--aud', 'n2')).code, 0);
    t.is((await jwksOf())?.uri, uri);
    t.is((await enfed('admin', 'health-authority', 'add', '--iss', 'ha-j', '--aud', 'n2', '--no-jwks-uri')).code, 0);
    t.is(await jwksOf(), null);
    t.is(
      (await enfed('admin', 'health-authority', 'add', '--iss', 'ha-j', '--aud', 'n', '--jwks-uri', 'file:///x')).code,
      2,
    );
  },
);
