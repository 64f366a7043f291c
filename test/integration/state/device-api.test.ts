import { randomBytes } from 'node:crypto';
import test from 'ava';
import { intervalNumber, truncate } from '../../../core/keys/intervals';
import { enfedInProcess } from '../../helpers/cli';
import { Phone } from '../../helpers/covid-alert-phone';
import { checkCertificateAsReference, EnsApp, ensDailyKeys, ensKeysHmac, postJson } from '../../helpers/ens-app';
import { freshCode, startStateNode, StepClock } from '../../helpers/state-node';
import { startTestNode } from '../../helpers/test-servers';

const APP = 'com.example.ens';
const clock = new StepClock(truncate(new Date(), 86400).getTime() + 10 * 60_000);
let node: Awaited<ReturnType<typeof startStateNode>>;
let trusted: { iss: string; aud: string; kid: string; publicKeyPem: string };
let authorityId: number;

test.before(async () => {
  node = await startStateNode({ now: clock.now, env: { CLAIM_MAX_FAILURES: '3', CODE_LIFETIME: '10m' } });
  const env = { DATABASE_URL: node.db.url, LOG_LEVEL: 'silent' };
  const created = await enfedInProcess(['admin', 'device-api', 'key', 'create'], env);
  if (created.code !== 0) throw new Error(created.stderr);
  const added = await enfedInProcess(
    ['admin', 'app', 'add', APP, '--regions', '302', '--health-authorities', 'enfed-device-api'],
    env,
  );
  if (added.code !== 0) throw new Error(added.stderr);
  const listed = await enfedInProcess(['admin', 'device-api', 'key', 'list', '--json'], env);
  const [key] = JSON.parse(listed.stdout) as { iss: string; aud: string; kid: string; publicKeyPem: string }[];
  trusted = key!;
  authorityId = (await node.db.pool.query('select id from health_authorities where iss = $1', [key!.iss])).rows[0].id;
  // The key is trusted from the real time it was created; the node's clock moves past its activation delay.
  clock.ms = Date.now() + 120_000;
});
test.after.always(async () => {
  await node?.destroy();
});

const url = () => node.server.httpUrl;
const count = async (table: string) =>
  (await node.db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n;

test.serial('the CLI created a trusted key of the default health authority', (t) => {
  t.like(trusted, { iss: 'enfed-device-api', aud: 'enfed-node', kid: 'v1' });
  t.regex(trusted.publicKeyPem, /BEGIN PUBLIC KEY/);
});

test.serial(
  'verify → certificate → publish: the certificate passes the reference rules and the node stores the keys',
  async (t) => {
    const day = new Date(clock.ms - 3 * 86_400_000).toISOString().slice(0, 10);
    const code = await freshCode(url(), { testType: 'likely', symptomDate: day });
    const app = new EnsApp(url(), APP);
    const verified = await app.verify(code);
    t.is(verified.status, 200);
    t.like(verified.json, { testtype: 'likely', symptomDate: day });
    t.regex(verified.json.token as string, /^[A-Za-z0-9_-]{64}$/);
    t.true((verified.json.padding as string).length > 1000);

    const keys = ensDailyKeys(clock.now(), 5);
    const secret = randomBytes(32);
    const ekeyhmac = ensKeysHmac(keys, secret).toString('base64');
    const cert = await app.certificate(verified.json.token as string, ekeyhmac);
    t.is(cert.status, 200);
    const claims = checkCertificateAsReference(cert.json.certificate as string, trusted, clock.now());
    t.like(claims, {
      reportType: 'likely',
      tekmac: ekeyhmac,
      symptomOnsetInterval: intervalNumber(new Date(`${day}T00:00:00Z`)),
    });
    t.is((claims.exp as number) - (claims.iat as number), 905);

    const published = await postJson(`${url()}/v1/publish`, {
      temporaryExposureKeys: keys,
      healthAuthorityID: APP,
      verificationPayload: cert.json.certificate,
      hmacKey: secret.toString('base64'),
    });
    t.is(published.status, 200, JSON.stringify(published.json));
    t.is(published.json.insertedExposures, 5);
    const stored = await node.db.pool.query(
      'select report_type, health_authority_id, regions from exposure_keys where key = $1',
      [Buffer.from(keys[0]!.key, 'base64')],
    );
    t.like(stored.rows[0], { report_type: 'likely', health_authority_id: authorityId, regions: ['302'] });

    const again = await app.certificate(verified.json.token as string, ekeyhmac);
    t.like(again, { status: 400, json: { errorCode: 'token_expired' } }, 'a token gives one certificate');
  },
);

test.serial('one code serves either kind of app: whichever claims it first uses it up', async (t) => {
  const first = await freshCode(url());
  t.is((await new EnsApp(url(), APP).verify(first)).status, 200);
  t.like(await new Phone(url()).claim(first), { status: 401, error: 2 });
  const second = await freshCode(url());
  t.like(await new Phone(url()).claim(second), { status: 200 });
  t.like(await new EnsApp(url(), APP).verify(second), { status: 400, json: { errorCode: 'code_invalid' } });
});

test.serial('verify: bad input is 4xx with the reference codes and claims nothing', async (t) => {
  const code = await freshCode(url());
  const app = new EnsApp(url(), APP);
  const verifyUrl = `${url()}/api/verify`;
  const tokens = await count('device_api_tokens');
  const cases: [string, Promise<{ status: number; json: Record<string, unknown> }>, number, string][] = [
    ['not JSON', postJson(verifyUrl, '{"code":'), 400, 'unparsable_request'],
    ['array', postJson(verifyUrl, [code]), 400, 'unparsable_request'],
    ['empty', postJson(verifyUrl, ''), 400, 'unparsable_request'],
    ['unknown field', postJson(verifyUrl, { code, other: 1 }), 400, 'unparsable_request'],
    ['code not a string', postJson(verifyUrl, { code: 12345678 }), 400, 'unparsable_request'],
    [
      'text/plain',
      postJson(verifyUrl, JSON.stringify({ code }), { 'content-type': 'text/plain' }),
      400,
      'unparsable_request',
    ],
    ['too large', postJson(verifyUrl, { code, padding: 'x'.repeat(70_000) }), 400, 'unparsable_request'],
    ['unknown accept', app.verify(code, { accept: ['positive'] }), 400, 'invalid_test_type'],
    ['nonce not base64', app.verify(code, { nonce: '***' }), 400, 'unparsable_request'],
    [
      'likely code, app accepts confirmed only',
      app.verify(await freshCode(url(), { testType: 'likely' }), { accept: ['confirmed'] }),
      412,
      'unsupported_test_type',
    ],
  ];
  for (const [what, pending, status, errorCode] of cases) {
    const res = await pending;
    t.is(res.status, status, what);
    t.like(res.json, { errorCode, error_code: errorCode }, what);
  }
  t.is(await count('device_api_tokens'), tokens, 'no token issued');
  t.is((await fetch(verifyUrl)).status, 405);
  t.is((await app.verify(code)).status, 200, 'the code was never claimed by the bad requests');
  t.like(await app.verify(code), { status: 400, json: { errorCode: 'code_invalid' } }, 'reused');
  const expiring = await freshCode(url());
  clock.advance(11 * 60);
  t.like(await new EnsApp(url(), APP).verify(expiring), { status: 400, json: { errorCode: 'code_expired' } });
});

test.serial('certificate: bad tokens and HMACs are 400 with the reference codes, no certificate', async (t) => {
  const app = new EnsApp(url(), APP);
  const hmac = randomBytes(32).toString('base64');
  const { json } = await app.verify(await freshCode(url()));
  const token = json.token as string;
  const certUrl = `${url()}/api/certificate`;
  const cases: [string, Promise<{ status: number; json: Record<string, unknown> }>, string][] = [
    ['not JSON', postJson(certUrl, 'token='), 'token_invalid'],
    ['unknown field', postJson(certUrl, { token, ekeyhmac: hmac, code: 'x' }), 'token_invalid'],
    ['malformed token', app.certificate('abc', hmac), 'token_invalid'],
    ['unknown token', app.certificate(randomBytes(48).toString('base64url'), hmac), 'token_invalid'],
    ['ekeyhmac not base64', app.certificate(token, '%%%'), 'hmac_invalid'],
    ['ekeyhmac empty', app.certificate(token, ''), 'hmac_invalid'],
    ['ekeyhmac of 31 bytes', app.certificate(token, randomBytes(31).toString('base64')), 'hmac_invalid'],
  ];
  for (const [what, pending, errorCode] of cases) {
    const res = await pending;
    t.is(res.status, 400, what);
    t.like(res.json, { errorCode }, what);
    t.is(res.json.certificate, undefined);
  }
  // URL-safe unpadded base64 is accepted, as the reference's decoder does.
  t.is((await app.certificate(token, randomBytes(32).toString('base64url'))).status, 200);
  const late = await app.verify(await freshCode(url()));
  clock.advance(86_401);
  t.like(await app.certificate(late.json.token as string, hmac), { status: 400, json: { errorCode: 'token_expired' } });
});

test.serial('brute force through /api/verify bans the client for both flows, then the ban lifts', async (t) => {
  const address = '198.51.100.9';
  const app = new EnsApp(url(), APP, address);
  for (let i = 0; i < 3; i++)
    t.like(await app.verify('AAAAAAAAAA'), { status: 400, json: { errorCode: 'code_invalid' } });
  const code = await freshCode(url());
  const banned = await app.verify(code);
  t.like(banned, { status: 429, json: { errorCode: 'rate_limited' } });
  t.true(Number(banned.headers.get('retry-after')) > 3500);
  t.like(await new Phone(url(), address).claim(code), { status: 429, error: 5 }, 'the same client on /claim-key');
  clock.advance(3601);
  t.is((await app.verify(await freshCode(url()))).status, 200);
});

test.serial('X-Chaff gets a padding-only answer and changes nothing', async (t) => {
  const code = await freshCode(url());
  const chaff = await postJson(`${url()}/api/verify`, { code }, { 'x-chaff': '1' });
  t.is(chaff.status, 200);
  t.deepEqual(Object.keys(chaff.json), ['padding']);
  t.is((await new EnsApp(url(), APP).verify(code)).status, 200);
});

test('with DEVICE_API_KEYS, requests without a listed X-API-Key are 401', async (t) => {
  const keyed = await startTestNode({
    env: {
      ENFED_COMPONENTS: 'codes,device-api',
      NEW_KEY_CLAIM_TOKENS: 'test-case-system-token-302=302',
      DEVICE_API_KEYS: 'device-api-key-0123456789',
    },
  });
  try {
    const base = keyed.server.httpUrl;
    const code = await freshCode(base);
    t.like(await new EnsApp(base, APP).verify(code), { status: 401, json: { error: 'unauthorized' } });
    t.like(await new EnsApp(base, APP, '10.9.9.9', { 'x-api-key': 'wrong-key-0123456789' }).verify(code), {
      status: 401,
    });
    const ok = await new EnsApp(base, APP, '10.9.9.9', { 'x-api-key': 'device-api-key-0123456789' }).verify(code);
    t.is(ok.status, 200);
  } finally {
    await keyed.destroy();
  }
});
