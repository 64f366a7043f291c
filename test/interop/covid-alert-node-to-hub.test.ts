import test from 'ava';
import { truncate } from '../../core/keys/intervals';
import { UNSEALED } from '../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { createSigningKey } from '../../core/signing/signing-keys';
import { KeyPool } from '../../hub/pool/key-pool';
import { CovidAlertSourceRepository } from '../../hub/sources/covid-alert/covid-alert-source.repository';
import { pullCovidAlert, type CovidAlertPullDeps } from '../../hub/sources/covid-alert/pull-covid-alert';
import { insertKeys, makeKey } from '../helpers/key-factory';
import { RETRIEVE_HMAC_KEY, startStateNode } from '../helpers/state-node';
import { createTestDatabase, testLogger, type TestDatabase } from '../helpers/test-database';
import type { TestServer } from '../helpers/test-servers';
import type { NodeConfig } from '../../node/node.config';

let node: TestServer<NodeConfig>;
let hubDb: TestDatabase;

test.before(async () => {
  [node, hubDb] = await Promise.all([startStateNode(), createTestDatabase()]);
});

test.after.always(async () => {
  await Promise.allSettled([node?.destroy(), hubDb?.destroy()]);
});

// Two implementations of the retrieve protocol written apart: the node's /retrieve (node/covid-alert) and the hub's
// covid-alert source. The hub pulls the node as it would pull COVID Alert's own server.
test('the hub pulls a node serving the COVID Alert retrieve API: every key once, signature verified', async (t) => {
  const now = new Date();
  const signing = await createSigningKey(new SigningKeyRepository(node.db.pool, UNSEALED), {
    keyId: '302',
    now: new Date(now.getTime() - 60_000),
  });
  // Keys that arrived at the node yesterday and earlier today (closed arrival windows), filed under MCC 302.
  const yesterday = new Date(truncate(now, 86_400).getTime() - 6 * 3600_000);
  const earlier = new Date(truncate(now, 3600).getTime() - 3600_000);
  const keys = [
    ...Array.from({ length: 4 }, () => makeKey({ regions: ['302'], createdAt: yesterday }, now)),
    ...Array.from({ length: 2 }, () => makeKey({ regions: ['302'], createdAt: earlier }, now)),
  ];
  await insertKeys(node.db.pool, keys);

  const source = await new CovidAlertSourceRepository(hubDb.pool, UNSEALED).add({
    name: 'state-node',
    baseUrl: node.server.httpUrl,
    retrieveRegion: '302',
    region: 'CA',
    retrieveKey: Buffer.from(RETRIEVE_HMAC_KEY, 'hex'),
    publicKeyPem: signing.publicKeyPem,
    intervalSeconds: 3600,
  });
  const deps: CovidAlertPullDeps = {
    db: hubDb.pool,
    keyPool: new KeyPool({ acceptSelfReport: false }),
    logger: testLogger(),
    now: () => new Date(),
    truncateWindowSeconds: 3600,
    servedDays: 14,
    timeoutSeconds: 10,
    maxZipBytes: 1 << 22,
    maxEntryBytes: 1 << 22,
    backoffBaseSeconds: 60,
    backoffMaxSeconds: 3600,
  };
  const first = await pullCovidAlert(deps, source!.id);
  t.like(first, { status: 'done', counts: { inserted: keys.length, invalid: 0 } });
  const pooled = await hubDb.pool.query<{ key: Buffer; regions: string[]; report_type: string }>(
    'select key, regions, report_type from exposure_keys',
  );
  t.deepEqual(pooled.rows.map((r) => r.key.toString('hex')).sort(), keys.map((k) => k.key.toString('hex')).sort());
  t.true(pooled.rows.every((r) => r.regions.join() === 'CA' && r.report_type === 'confirmed'));
  t.like(await pullCovidAlert(deps, source!.id), { status: 'done', counts: { inserted: 0 } });
});
