import test from 'ava';
import { Metrics } from '../../../core/metrics/metrics';
import { HealthAuthorityRepository } from '../../../node/publish/authorities/health-authority.repository';
import { JwksKeysRepository } from '../../../node/publish/jwks/jwks-keys.repository';
import { jwksRefresh } from '../../../node/publish/jwks/jwks-refresh.job';
import { captureLogs } from '../../helpers/captured-logs';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { jwkOf, newP256Key } from '../../helpers/p256-keys';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';

let db: TestDatabase;
let jwks: JwksServer;
let haId: number;
let clock = new Date('2026-11-30T10:00:00Z');
const logs = captureLogs('info');
const metrics = new Metrics();
const [a, b, c] = [newP256Key(), newP256Key(), newP256Key()];
const jwk = (key: typeof a, kid: string) => ({ ...jwkOf(key.publicKey), kid, alg: 'ES256', use: 'sig' });

test.before(async () => {
  db = await createTestDatabase();
  jwks = await startJwksServer();
  ({ id: haId } = await new HealthAuthorityRepository(db.orm.em.fork()).upsert({
    iss: 'ha-jwks',
    aud: 'node',
    name: 'HA',
    jwksUri: jwks.url,
  }));
  // An authority without a jwks_uri is never touched.
  await new HealthAuthorityRepository(db.orm.em.fork()).upsert({ iss: 'ha-manual', aud: 'node', name: 'M' });
});
test.after.always(async () => {
  await jwks?.close();
  await db?.destroy();
});

const refresh = () =>
  jwksRefresh({
    repository: new JwksKeysRepository(db.pool),
    logger: logs.logger,
    metrics,
    now: () => clock,
    limits: { timeoutMs: 1000, maxBytes: 4096 },
    cleanupTtlSeconds: 30 * 86400,
    maxWorkers: 2,
  })();

async function state() {
  const ha = await new HealthAuthorityRepository(db.orm.em.fork()).find('ha-jwks');
  if (!ha) throw new Error('missing');
  return {
    keys: Object.fromEntries(ha.keys.map((k) => [k.version, k.thru?.toISOString() ?? null])),
    error: ha.jwks?.error ?? null,
  };
}

async function metric(name: string): Promise<string> {
  return (await metrics.render())
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');
}

test.serial('new keys are added, keys that disappeared are revoked, long-revoked keys purged', async (t) => {
  jwks.reply = { status: 200, body: JSON.stringify([jwk(a, 'a'), jwk(b, 'b')]) };
  t.deepEqual(await refresh(), { ok: 1, failed: 0 });
  t.deepEqual(await state(), { keys: { a: null, b: null }, error: null });

  // The RFC 7517 form is read too; b is gone, c is new.
  clock = new Date('2026-11-30T11:00:00Z');
  jwks.reply = { status: 200, body: JSON.stringify({ keys: [jwk(a, 'a'), jwk(c, 'c')] }) };
  t.deepEqual(await refresh(), { ok: 1, failed: 0 });
  t.deepEqual((await state()).keys, { a: null, b: '2026-11-30T11:00:00.000Z', c: null });

  // A second refresh changes nothing: b keeps its revocation time (so it can age out), and stays revoked.
  clock = new Date('2026-12-01T11:00:00Z');
  jwks.reply = { status: 200, body: JSON.stringify([jwk(a, 'a'), jwk(b, 'b'), jwk(c, 'c')]) };
  await refresh();
  t.deepEqual((await state()).keys, { a: null, b: '2026-11-30T11:00:00.000Z', c: null });

  // 30 days after its revocation, b is deleted.
  clock = new Date('2026-12-30T11:00:01Z');
  jwks.reply = { status: 200, body: JSON.stringify([jwk(a, 'a'), jwk(c, 'c')]) };
  await refresh();
  t.deepEqual((await state()).keys, { a: null, c: null });
  t.regex(await metric('enfed_jwks_key_changes_total'), /change="purged"} 1/);
  t.regex(await metric('enfed_jwks_key_changes_total'), /change="added"} 3/);
});

const failures: [string, JwksServer['reply'], RegExp][] = [
  ['an HTTP error', { status: 503, body: 'down' }, /HTTP 503/],
  ['not JSON', { status: 200, body: '<html>' }, /not JSON/],
  ['a private key', { status: 200, body: JSON.stringify([{ ...jwkOf(a.privateKey), kid: 'a' }]) }, /private key/],
  ['a key without kid', { status: 200, body: JSON.stringify([jwkOf(a.publicKey)]) }, /no kid/],
  ['a document over the size limit', { status: 200, body: JSON.stringify([jwk(a, 'a'), ' '.repeat(5000)]) }, /larger/],
  ['a stalled answer', 'stall', /no complete answer within 1000 ms/],
  ['a kid reused for another key', { status: 200, body: JSON.stringify([jwk(b, 'a'), jwk(c, 'c')]) }, /kid a/],
];

for (const [name, reply, reason] of failures) {
  test.serial(`${name} fails the refresh visibly and changes no key`, async (t) => {
    const before = (await state()).keys;
    jwks.reply = reply;
    t.deepEqual(await refresh(), { ok: 0, failed: 1 });
    const after = await state();
    t.deepEqual(after.keys, before);
    t.regex(after.error ?? '', reason);
    t.true(logs.lines().some((l) => l.msg === 'jwks refresh failed' && reason.test(String(l.reason))));
    const listed = await new HealthAuthorityRepository(db.orm.em.fork()).list();
    t.truthy(listed.find((h) => h.iss === 'ha-jwks')?.jwks?.errorAt);
  });
}

test.serial('a good refresh clears the last error; failures are counted', async (t) => {
  jwks.reply = { status: 200, body: JSON.stringify([jwk(a, 'a'), jwk(c, 'c')]) };
  t.deepEqual(await refresh(), { ok: 1, failed: 0 });
  t.is((await state()).error, null);
  t.regex(await metric('enfed_jwks_refreshes_total'), new RegExp(`outcome="failed"} ${failures.length}`));
});
