import { status } from '@grpc/grpc-js';
import test from 'ava';
import { FederationCallError } from '../../../core/federation/federation-client';
import { captureLogs } from '../../helpers/captured-logs';
import { authorizePartner, generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import {
  claimsFor,
  dailyKeys,
  postPublish,
  publishBody,
  registerAuthorityAndApp,
  type TestAuthority,
} from '../../helpers/publish-fixtures';
import { startTestNode } from '../../helpers/test-servers';

const now = new Date();
const logs = captureLogs('debug');
let certs: TestCerts;
let node: Awaited<ReturnType<typeof startTestNode>>;
let authority: TestAuthority;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  node = await startTestNode({ env: certs.serverEnv('node-a'), logger: logs.logger, now: () => now });
  authority = await registerAuthorityAndApp(node.db.orm, { now });
  await authorizePartner(node.db.pool, { name: 'hub', fingerprint: certs.fingerprint('hub'), include: ['CA'] });
});
test.after.always(async () => {
  await node?.destroy();
  await certs?.destroy();
});

const ATTACK = 'ATTACK\u0000TEXT';

test.serial('NUL bytes in publish fields are refused at the boundary with a 4xx code', async (t) => {
  const keys = dailyKeys(now, 2);
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['healthAuthorityID', { ...publishBody(authority, keys, now), healthAuthorityID: ATTACK }, 400, 'bad_request'],
    ['revisionToken', { ...publishBody(authority, keys, now), revisionToken: ATTACK }, 400, 'bad_request'],
    ['hmacKey', { ...publishBody(authority, keys, now), hmacKey: ATTACK }, 400, 'bad_request'],
    [
      'certificate iss',
      publishBody(authority, keys, now, {
        claims: { ...claimsFor(authority, keys, Buffer.alloc(32), now), iss: 'x\u0000' },
      }),
      401,
      'health_authority_verification_certificate_invalid',
    ],
  ];
  for (const [name, body, status, code] of cases) {
    const answer = await postPublish(node.server.httpUrl, body);
    t.is(answer.status, status, name);
    t.is(answer.json.code, code, name);
  }
  t.is((await node.db.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n, 0);
});

test.serial('NUL bytes in a partner’s regions are INVALID_ARGUMENT, not INTERNAL', async (t) => {
  const client = certs.client(node.server.addresses.grpc!, 'hub');
  try {
    for (const request of [{ includeRegions: ['CA'], excludeRegions: ['\u0000'] }, { includeRegions: [ATTACK] }]) {
      const err = await t.throwsAsync(client.fetch(request, 5000), { instanceOf: FederationCallError });
      t.is(err.grpcCode, status.INVALID_ARGUMENT);
      t.regex(err.message, /invalid_region/);
    }
  } finally {
    client.close();
  }
});

test.serial('no attacker text and no error-level line reached the logs', (t) => {
  const text = logs.text();
  t.false(text.includes('ATTACK'), 'attacker text never logged');
  t.false(text.includes('\\u0000'), 'no NUL logged');
  t.deepEqual(
    logs.lines().filter((l) => (l.level as number) >= 50),
    [],
    'nothing logged at error level',
  );
});
