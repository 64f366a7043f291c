import test from 'ava';
import { intervalNumber } from '../../../core/keys/intervals';
import { dailyKeys, postPublish, publishBody, usePublishTestNode } from '../../helpers/publish-fixtures';

const NOW = new Date('2026-11-20T10:25:00Z');
const setup = usePublishTestNode(NOW, { regions: ['us-ca', 'US-NV'] });

test('a valid publish stores every key with the derived fields and answers with a token', async (t) => {
  const keys = dailyKeys(NOW, 3, 0);
  const res = await postPublish(
    setup.node.server.httpUrl,
    publishBody(setup.authority, keys, NOW, { extra: { traveler: true } }),
  );
  t.is(res.status, 200, JSON.stringify(res.json));
  t.is(res.headers.get('x-api-version'), 'v1');
  t.is(res.json.insertedExposures, 3);
  t.deepEqual(res.json.warnings, []);
  t.is(res.json.code, undefined);
  t.true(typeof res.json.revisionToken === 'string' && res.json.revisionToken.length > 0);
  const padding = res.json.padding as string;
  t.true(padding.length >= 1024 && padding.length <= 2048);

  const { rows } = await setup.node.db.pool.query(
    `select encode(key, 'base64') as key, transmission_risk, regions, traveler, report_type, days_since_onset, created_at,
            local_provenance, health_authority_id from exposure_keys where key = any($1::bytea[]) order by interval_number desc`,
    [keys.map((k) => Buffer.from(k.key, 'base64'))],
  );
  t.is(rows.length, 3);
  // No onset given: now − 4 days is the onset, so yesterday's key is day +3.
  t.deepEqual(
    rows.map((r) => r.days_since_onset),
    [3, 2, 1],
  );
  for (const row of rows) {
    t.is(row.transmission_risk, 2, 'confirmed backfills 0 to 2');
    t.deepEqual(row.regions, ['US-CA', 'US-NV']);
    t.true(row.traveler);
    t.is(row.report_type, 'confirmed');
    t.true(row.local_provenance);
    t.is(row.health_authority_id, setup.authority.id);
    t.is((row.created_at as Date).toISOString(), '2026-11-20T10:00:00.000Z');
  }
});

test('a still-valid key is embargoed until the window after it expires; sent risk is kept', async (t) => {
  const current = intervalNumber(NOW);
  const todayStart = Math.floor(current / 144) * 144;
  const keys = [
    { key: 'AAECAwQFBgcICQoLDA0ODw==', rollingStartNumber: todayStart, rollingPeriod: 144, transmissionRisk: 5 },
  ];
  const res = await postPublish(setup.node.server.httpUrl, publishBody(setup.authority, keys, NOW));
  t.is(res.status, 200, JSON.stringify(res.json));
  const { rows } = await setup.node.db.pool.query(
    'select created_at, transmission_risk from exposure_keys where key = $1',
    [Buffer.from(keys[0]!.key, 'base64')],
  );
  t.is((rows[0].created_at as Date).toISOString(), '2026-11-21T00:00:00.000Z');
  t.is(rows[0].transmission_risk, 5);
});

test('publish answers and keys are counted in /metrics, by code only', async (t) => {
  const keys = dailyKeys(NOW, 2, 0);
  t.is((await postPublish(setup.node.server.httpUrl, publishBody(setup.authority, keys, NOW))).status, 200);
  t.is(
    (
      await postPublish(setup.node.server.httpUrl, {
        ...publishBody(setup.authority, keys, NOW),
        healthAuthorityID: 'nope',
      })
    ).status,
    401,
  );
  const text = await (await fetch(`${setup.node.server.httpUrl}/metrics`)).text();
  t.regex(text, /enfed_publish_requests_total\{code="ok"\} [1-9]/);
  t.regex(text, /enfed_publish_requests_total\{code="unknown_health_authority_id"\} [1-9]/);
  t.regex(text, /enfed_keys_published_total\{outcome="stored"\} [1-9]/);
});
