import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import test from 'ava';
import { vectorText } from '../../helpers/vectors';
import { intervalNumber } from '../../../core/keys/intervals';
import { AuthorizedAppRepository } from '../../../node/publish/apps/authorized-app.repository';
import { HealthAuthorityRepository } from '../../../node/publish/authorities/health-authority.repository';
import { importHealthAuthorityKey } from '../../../node/publish/authorities/public-key';
import { startTestNode } from '../../helpers/test-servers';
import {
  claimsFor,
  dailyKeys,
  postPublish,
  registerAuthorityAndApp,
  signCertificate,
  tekmacFor,
  type TestAuthority,
} from '../../helpers/publish-fixtures';

const NOW = new Date('2026-11-20T10:25:00Z');
const T = Math.floor(NOW.getTime() / 1000);
let node: Awaited<ReturnType<typeof startTestNode>>;
let authority: TestAuthority;
let otherAuthority: TestAuthority;

test.before(async () => {
  node = await startTestNode({ now: () => NOW });
  // An authority the app does not allow, registered first so that the app's list is replaced below.
  otherAuthority = await registerAuthorityAndApp(node.db.orm, { iss: 'other-ha', app: 'com.example.unused', now: NOW });
  authority = await registerAuthorityAndApp(node.db.orm, { now: NOW });
  const em = node.db.orm.em.fork();
  const pem = await importHealthAuthorityKey(authority.publicKeyPem);
  await new HealthAuthorityRepository(em).upsertKey(authority.id, {
    version: 'retired',
    from: new Date(NOW.getTime() - 7200_000),
    thru: new Date(NOW.getTime() - 60_000),
    publicKeyPem: pem,
  });
  await new HealthAuthorityRepository(em).upsertKey(authority.id, {
    version: 'not-yet',
    from: new Date(NOW.getTime() + 60_000),
    thru: null,
    publicKeyPem: pem,
  });
  await new AuthorizedAppRepository(em).upsert({
    name: 'com.example.bypass',
    allowedRegions: ['US-CA'],
    allowedHealthAuthorityIds: [],
    bypassVerification: true,
    bypassRevisionToken: false,
  });
});
test.after.always(async () => {
  await node?.destroy();
});

interface Attack {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Replaces the whole certificate. */
  token?: (keys: ReturnType<typeof dailyKeys>, hmacKey: Buffer) => string;
  risk?: number;
  hmacKey?: string;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function attempt(attack: Attack) {
  const keys = dailyKeys(NOW, 2, attack.risk ?? 1);
  const hmacKey = randomBytes(32);
  const token = attack.token
    ? attack.token(keys, hmacKey)
    : signCertificate(authority, claimsFor(authority, keys, hmacKey, NOW, attack.claims), attack.header);
  const res = await postPublish(node.server.httpUrl, {
    temporaryExposureKeys: keys,
    healthAuthorityID: 'com.example.app',
    verificationPayload: token,
    hmacKey: attack.hmacKey ?? hmacKey.toString('base64'),
  });
  const { rows } = await node.db.pool.query(
    'select count(*)::int as n from exposure_keys where key = any($1::bytea[])',
    [keys.map((k) => Buffer.from(k.key, 'base64'))],
  );
  return { ...res, storedCount: rows[0].n as number };
}

const rejected: Array<[string, Attack]> = [
  [
    'alg none, no signature',
    { token: (k, h) => `${b64url({ alg: 'none', kid: 'v1' })}.${b64url(claimsFor(authority, k, h, NOW))}.` },
  ],
  [
    'HS256 signed with the public key as secret',
    {
      token: (k, h) => {
        const input = `${b64url({ alg: 'HS256', kid: 'v1' })}.${b64url(claimsFor(authority, k, h, NOW))}`;
        return `${input}.${createHmac('sha256', authority.publicKeyPem).update(input).digest('base64url')}`;
      },
    },
  ],
  ['alg ES384 label', { header: { alg: 'ES384' } }],
  ['no kid', { header: { kid: undefined } }],
  ['unknown kid', { header: { kid: 'v9' } }],
  ['key past its validity window', { header: { kid: 'retired' } }],
  ['key before its validity window', { header: { kid: 'not-yet' } }],
  [
    'signed by another private key under the right kid',
    {
      token: (k, h) =>
        signCertificate(
          { ...authority, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
          claimsFor(authority, k, h, NOW),
        ),
    },
  ],
  [
    'claims altered after signing',
    {
      token: (k, h) => {
        const [head, , sig] = signCertificate(authority, claimsFor(authority, k, h, NOW)).split('.');
        return `${head}.${b64url(claimsFor(authority, k, h, NOW, { reportType: 'likely' }))}.${sig}`;
      },
    },
  ],
  ['wrong aud', { claims: { aud: 'another-node' } }],
  ['aud as an array', { claims: { aud: ['test-node'] } }],
  ['unknown iss', { claims: { iss: 'nobody' } }],
  [
    'iss of an authority the app does not allow',
    { token: (k, h) => signCertificate(otherAuthority, claimsFor(otherAuthority, k, h, NOW)) },
  ],
  ['expired beyond the leeway', { claims: { exp: T - 61 } }],
  ['no exp', { claims: { exp: undefined } }],
  ['iat in the future beyond the leeway', { claims: { iat: T + 61 } }],
  ['nbf in the future beyond the leeway', { claims: { nbf: T + 61 } }],
  ['reportType not allowed', { claims: { reportType: 'recursive' } }],
  ['no reportType', { claims: { reportType: undefined } }],
  ['tekmac over other keys', { claims: { tekmac: tekmacFor(dailyKeys(NOW, 2, 1), randomBytes(32)) } }],
  ['hmacKey that does not match', { hmacKey: randomBytes(32).toString('base64') }],
  [
    'three-part tekmac while a risk is non-zero',
    {
      token: (k, h) => signCertificate(authority, claimsFor(authority, k, h, NOW, { tekmac: tekmacFor(k, h, false) })),
    },
  ],
  ['not a JWS', { token: () => 'not-a-jws' }],
  ['garbage parts', { token: () => 'e30.e30.AAAA' }],
];
for (const [name, attack] of rejected) {
  test(`certificate rejected: ${name}`, async (t) => {
    const res = await attempt(attack);
    t.is(res.status, 401, JSON.stringify(res.json).slice(0, 200));
    t.is(res.json.code, 'health_authority_verification_certificate_invalid');
    t.is(res.headers.get('x-api-version'), 'v1');
    t.is(res.storedCount, 0);
  });
}

const accepted: Array<[string, Attack]> = [
  ['expired within the leeway (boundary)', { claims: { exp: T - 59 } }],
  ['iat within the leeway (boundary)', { claims: { iat: T + 59, nbf: T + 59 } }],
  [
    'three-part tekmac when every risk is 0',
    {
      risk: 0,
      token: (k, h) => signCertificate(authority, claimsFor(authority, k, h, NOW, { tekmac: tekmacFor(k, h, false) })),
    },
  ],
];
for (const [name, attack] of accepted) {
  test(`certificate accepted: ${name}`, async (t) => {
    const res = await attempt(attack);
    t.is(res.status, 200, JSON.stringify(res.json).slice(0, 200));
    t.is(res.storedCount, 2);
  });
}

test('an app with the bypass switch publishes without a certificate; report type is empty', async (t) => {
  const keys = dailyKeys(NOW, 1, 0);
  const res = await postPublish(node.server.httpUrl, {
    temporaryExposureKeys: keys,
    healthAuthorityID: 'com.example.bypass',
  });
  t.is(res.status, 200, JSON.stringify(res.json).slice(0, 200));
  const { rows } = await node.db.pool.query(
    'select report_type, transmission_risk, health_authority_id from exposure_keys where key = $1',
    [Buffer.from(keys[0]!.key, 'base64')],
  );
  t.deepEqual(rows[0], { report_type: '', transmission_risk: 0, health_authority_id: null });
});

test('the vectors certificate is accepted by a node trusting the vectors authority', async (t) => {
  const vector = JSON.parse(vectorText('certificate.json'));
  const now = new Date('2025-09-19T12:00:00Z');
  const vnode = await startTestNode({ now: () => now });
  try {
    const em = vnode.db.orm.em.fork();
    const { id } = await new HealthAuthorityRepository(em).upsert({
      iss: 'test-health-authority',
      aud: 'enfed-test-node',
      name: 'vectors',
    });
    const pem = await importHealthAuthorityKey(vectorText('test-health-authority.pub.pem'));
    await new HealthAuthorityRepository(em).upsertKey(id, {
      version: 'v1',
      from: new Date('2025-01-01T00:00:00Z'),
      thru: null,
      publicKeyPem: pem,
    });
    await new AuthorizedAppRepository(em).upsert({
      name: 'gov.test.app',
      allowedRegions: ['XX'],
      allowedHealthAuthorityIds: [id],
      bypassVerification: false,
      bypassRevisionToken: false,
    });
    const body = {
      temporaryExposureKeys: vector.keys,
      healthAuthorityID: 'gov.test.app',
      verificationPayload: vector.token,
      hmacKey: vector.hmacKey,
    };
    const res = await postPublish(vnode.server.httpUrl, body);
    t.is(res.status, 200, JSON.stringify(res.json).slice(0, 200));
    t.is(res.json.insertedExposures, 3);
    const { rows } = await vnode.db.pool.query(
      'select interval_number, transmission_risk, days_since_onset, report_type from exposure_keys order by interval_number',
    );
    // Onset from the certificate claim (2025-09-15); risk 0 backfilled to 2 for confirmed.
    t.deepEqual(rows, [
      { interval_number: 2929824, transmission_risk: 8, days_since_onset: 0, report_type: 'confirmed' },
      { interval_number: 2929968, transmission_risk: 2, days_since_onset: 1, report_type: 'confirmed' },
      { interval_number: 2930112, transmission_risk: 2, days_since_onset: 2, report_type: 'confirmed' },
    ]);
    t.is(intervalNumber(now) > 2930112, true);

    // The same certificate over the keys with one risk changed no longer matches its tekmac.
    const tampered = {
      ...body,
      temporaryExposureKeys: vector.keys.map((k: Record<string, number>, i: number) =>
        i === 0 ? { ...k, transmissionRisk: 1 } : k,
      ),
    };
    const bad = await postPublish(vnode.server.httpUrl, tampered);
    t.is(bad.status, 401);
  } finally {
    await vnode.destroy();
  }
});
