import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { certificateClaims, pastDailyKeys, publishBody, signJws } from '../demo/dev-health-authority';
import type { PublishTarget } from '../probe/probe-target';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { expect, type ConformanceCheck } from './check';

interface Answer {
  status: number;
  body: { insertedExposures?: unknown; revisionToken?: unknown; code?: unknown; error?: unknown };
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Answer['body'] };
}

const describe = (a: Answer) => `HTTP ${a.status} ${typeof a.body.code === 'string' ? a.body.code : ''}`.trim();

/** A request body whose certificate is built from `claims`/`header` changes, for the certificate attacks. */
function forgedBody(
  target: PublishTarget,
  keys: PublishKeyInput[],
  forge: { header?: Record<string, unknown>; claimsFor?: PublishKeyInput[]; now?: Date; signer?: 'other' | 'none' },
): Record<string, unknown> {
  const hmacKey = randomBytes(32);
  const claims = certificateClaims(target.authority, forge.claimsFor ?? keys, hmacKey, {
    reportType: 'confirmed',
    now: forge.now,
  });
  const header = { alg: 'ES256', kid: target.authority.kid, typ: 'JWT', ...forge.header };
  const key =
    forge.signer === 'other'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
      : createPrivateKey(target.authority.privateKeyPem);
  let jws = signJws(key, header, claims);
  if (forge.signer === 'none') jws = `${jws.split('.').slice(0, 2).join('.')}.`;
  return {
    temporaryExposureKeys: keys,
    healthAuthorityID: target.authority.healthAuthorityID,
    verificationPayload: jws,
    hmacKey: hmacKey.toString('base64'),
  };
}

/**
 * The publish API checks (docs/publish-api.md): a valid publish and its response shape, whole-request and
 * per-key rules, certificate attacks, and revisions. Each publish uses fresh random keys; the valid ones are
 * stored by the server under test (use a test health authority).
 */
export function publishChecks(target: PublishTarget): ConformanceCheck[] {
  const url = target.publishUrl;
  const valid: { keys: PublishKeyInput[]; token?: string } = { keys: pastDailyKeys(new Date(), 3, 0) };
  const rejected = (id: string, title: string, body: () => unknown, status: number[]): ConformanceCheck => ({
    group: 'publish',
    id,
    title,
    async run() {
      const answer = await post(url, body());
      expect(status.includes(answer.status), `expected HTTP ${status.join(' or ')}, got ${describe(answer)}`);
      expect(
        typeof answer.body.code === 'string',
        `an error answer carries a string "code" (${JSON.stringify(answer.body).slice(0, 120)})`,
      );
      return describe(answer);
    },
  });
  return [
    {
      group: 'publish',
      id: 'publish.valid',
      title: 'a certified diagnosis is stored: 200, insertedExposures = key count, a revisionToken',
      async run() {
        const answer = await post(url, publishBody(target.authority, valid.keys, { reportType: 'likely' }));
        expect(answer.status === 200, `expected 200, got ${describe(answer)}`);
        expect(
          answer.body.insertedExposures === valid.keys.length,
          `insertedExposures ${String(answer.body.insertedExposures)}`,
        );
        expect(
          typeof answer.body.revisionToken === 'string' && answer.body.revisionToken.length > 0,
          'no revisionToken',
        );
        valid.token = answer.body.revisionToken;
        return `${valid.keys.length} keys stored`;
      },
    },
    rejected(
      'publish.malformed-json',
      'a body that is not JSON is refused with 400',
      () => '{"temporaryExposureKeys": [',
      [400],
    ),
    rejected(
      'publish.no-keys',
      'a request without keys is refused with 400',
      () => publishBody(target.authority, []),
      [400],
    ),
    rejected(
      'publish.too-many-keys',
      'more than 30 keys in one request is refused with 400',
      () =>
        publishBody(
          target.authority,
          pastDailyKeys(new Date(), 14).concat(pastDailyKeys(new Date(), 14), pastDailyKeys(new Date(), 3)),
        ),
      [400],
    ),
    {
      group: 'publish',
      id: 'publish.per-key-drop',
      title: 'a key of the wrong length is dropped, the valid ones stored (200)',
      async run() {
        const keys = pastDailyKeys(new Date(), 2, 0);
        keys[1] = { ...keys[1]!, key: randomBytes(15).toString('base64') };
        const answer = await post(url, publishBody(target.authority, keys));
        expect(answer.status === 200, `expected 200, got ${describe(answer)}`);
        expect(
          answer.body.insertedExposures === 1,
          `insertedExposures ${String(answer.body.insertedExposures)}, expected 1`,
        );
        return `1 of 2 keys stored${typeof answer.body.code === 'string' ? ` (${answer.body.code})` : ''}`;
      },
    },
    rejected(
      'publish.bad-rolling-period',
      'a request whose only key has rolling period 145 is refused with 400',
      () => publishBody(target.authority, [{ ...pastDailyKeys(new Date(), 1)[0]!, rollingPeriod: 145 }]),
      [400],
    ),
    rejected(
      'publish.unknown-app',
      'an unknown healthAuthorityID is refused (401)',
      () => ({
        ...publishBody(target.authority, pastDailyKeys(new Date(), 1)),
        healthAuthorityID: `unknown.${randomBytes(4).toString('hex')}`,
      }),
      [401],
    ),
    rejected(
      'publish.cert-alg-none',
      'a certificate with alg "none" is refused (401)',
      () => forgedBody(target, pastDailyKeys(new Date(), 1), { header: { alg: 'none' }, signer: 'none' }),
      [401],
    ),
    rejected(
      'publish.cert-alg-hs256',
      'a certificate with alg HS256 is refused (401)',
      () => forgedBody(target, pastDailyKeys(new Date(), 1), { header: { alg: 'HS256' } }),
      [401],
    ),
    rejected(
      'publish.cert-foreign-signature',
      'a certificate signed by another key is refused (401)',
      () => forgedBody(target, pastDailyKeys(new Date(), 1), { signer: 'other' }),
      [401],
    ),
    rejected(
      'publish.cert-tekmac-mismatch',
      'a certificate whose tekmac covers other keys is refused (401)',
      () => forgedBody(target, pastDailyKeys(new Date(), 1), { claimsFor: pastDailyKeys(new Date(), 1) }),
      [401],
    ),
    rejected(
      'publish.cert-expired',
      'an expired certificate is refused (401)',
      () => forgedBody(target, pastDailyKeys(new Date(), 1), { now: new Date(Date.now() - 2 * 3600_000) }),
      [401],
    ),
    rejected(
      'publish.revision-without-token',
      'stored keys sent again without a revision token are refused with 400',
      () => publishBody(target.authority, valid.keys, { reportType: 'confirmed' }),
      [400],
    ),
    {
      group: 'publish',
      id: 'publish.revision-with-token',
      title: 'likely keys sent again as confirmed with their revision token are revised (200)',
      async run() {
        expect(valid.token !== undefined, 'publish.valid gave no token to revise with');
        const answer = await post(
          url,
          publishBody(target.authority, valid.keys, { reportType: 'confirmed', revisionToken: valid.token }),
        );
        expect(answer.status === 200, `expected 200, got ${describe(answer)}`);
        expect(
          answer.body.insertedExposures === valid.keys.length,
          `insertedExposures ${String(answer.body.insertedExposures)}`,
        );
        return `${valid.keys.length} keys revised`;
      },
    },
  ];
}
