import { randomBytes } from 'node:crypto';
import test from 'ava';
import { intervalNumber } from '../../../core/keys/intervals';
import type { PublishKeyInput } from '../../../node/publish/request/publish-request';
import { postPublish, publishBody, usePublishTestNode } from '../../helpers/publish-fixtures';

const NOW = new Date('2026-11-20T10:25:00Z');
const CURRENT = intervalNumber(NOW);
const TODAY = Math.floor(CURRENT / 144) * 144;
const setup = usePublishTestNode(NOW);

const key = (rollingStartNumber: number, rollingPeriod = 144, transmissionRisk = 0): PublishKeyInput => ({
  key: randomBytes(16).toString('base64'),
  rollingStartNumber,
  rollingPeriod,
  transmissionRisk,
});
const days = (n: number, from = 1) => Array.from({ length: n }, (_, i) => key(TODAY - (i + from) * 144));

async function publishKeys(keys: PublishKeyInput[], options: Parameters<typeof publishBody>[3] = {}) {
  return postPublish(setup.node.server.httpUrl, publishBody(setup.authority, keys, NOW, options));
}

async function stored(k: PublishKeyInput) {
  const { rows } = await setup.node.db.pool.query('select * from exposure_keys where key = $1', [
    Buffer.from(k.key, 'base64'),
  ]);
  return rows[0] as Record<string, unknown> | undefined;
}

// Request-level rules: the whole request is rejected with bad_request; the boundary passes.
const requestCases: Array<[string, () => PublishKeyInput[], number]> = [
  ['0 keys', () => [], 400],
  ['1 key (boundary)', () => days(1), 200],
  [
    '31 keys',
    () => [
      ...days(10).flatMap((k) => [k, { ...key(k.rollingStartNumber, 143) }, key(k.rollingStartNumber, 142)]),
      key(TODAY - 11 * 144),
    ],
    400,
  ],
  [
    '30 keys (boundary)',
    () => days(10).flatMap((k) => [k, key(k.rollingStartNumber, 143), key(k.rollingStartNumber, 142)]),
    200,
  ],
  [
    '4 keys with one start',
    () => [key(TODAY - 144, 144), key(TODAY - 144, 100), key(TODAY - 144, 50), key(TODAY - 144, 10)],
    400,
  ],
  ['3 keys with one start (boundary)', () => [key(TODAY - 144, 144), key(TODAY - 144, 100), key(TODAY - 144, 50)], 200],
  ['a key starting inside the previous one', () => [key(TODAY - 288), key(TODAY - 288 + 100)], 400],
  ['a key starting where the previous ends (boundary)', () => [key(TODAY - 288), key(TODAY - 144)], 200],
];
for (const [name, make, status] of requestCases) {
  test(`request rule: ${name} → ${status}`, async (t) => {
    const keys = make();
    const res = await publishKeys(keys);
    t.is(res.status, status, JSON.stringify(res.json));
    if (status === 400) {
      t.is(res.json.code, 'bad_request');
      for (const k of keys) t.is(await stored(k), undefined);
    } else {
      t.is(res.json.insertedExposures, keys.length);
    }
  });
}

// Per-key rules: a bad key is dropped with a warning and a partial_failure; alone it is a 400.
const keyCases: Array<[string, (good: PublishKeyInput) => PublishKeyInput, boolean]> = [
  ['15-byte key', () => ({ ...key(TODAY - 288), key: randomBytes(15).toString('base64') }), false],
  ['non-base64 key', () => ({ ...key(TODAY - 288), key: '!!!!!!!!!!!!!!!!!!!!!!==' }), false],
  [
    'URL-alphabet unpadded key (boundary)',
    () => ({ ...key(TODAY - 288), key: Buffer.alloc(16, 0xfb).toString('base64url') }),
    true,
  ],
  ['rolling period 0', () => key(TODAY - 288, 0), false],
  ['rolling period 145', () => key(TODAY - 432, 145), false],
  ['rolling period 1 (boundary)', () => key(TODAY - 288, 1), true],
  ['expired beyond 15 days', () => key(CURRENT - 15 * 144 - 145), false],
  ['expired exactly 15 days ago (boundary)', () => key(CURRENT - 15 * 144 - 144), true],
  ['starts in the future', () => key(CURRENT + 1, 1), false],
  ['starts in the current interval (boundary)', () => key(CURRENT, 1), true],
  ['transmission risk 9', () => key(TODAY - 288, 144, 9), false],
  ['transmission risk -1', () => key(TODAY - 288, 144, -1), false],
  ['transmission risk 8 (boundary)', () => key(TODAY - 288, 144, 8), true],
];
for (const [name, makeBad, accepted] of keyCases) {
  test(`key rule: ${name}`, async (t) => {
    const good = key(TODAY - 144);
    const other = makeBad(good);
    const res = await publishKeys([good, other]);
    t.is(res.status, 200, JSON.stringify(res.json));
    if (accepted) {
      t.is(res.json.insertedExposures, 2);
      t.is(res.json.code, undefined);
    } else {
      t.is(res.json.insertedExposures, 1);
      t.is(res.json.code, 'partial_failure');
      t.is((res.json.warnings as string[]).length, 1);
      t.regex((res.json.warnings as string[])[0]!, /^key 1 dropped: /);
      t.truthy(await stored(good));
      const alone = await publishKeys([makeBad(good)]);
      t.is(alone.status, 400);
      t.is(alone.json.code, 'bad_request');
      t.is((alone.json.warnings as string[]).length, 1);
    }
  });
}

test('days since onset beyond ±14 drops the key; 14 passes (request onset)', async (t) => {
  const onset = TODAY; // today's midnight
  const k14 = key(TODAY - 14 * 144);
  const k15 = key(TODAY - 15 * 144);
  const res = await publishKeys([k15, k14], { extra: { symptomOnsetInterval: onset } });
  t.is(res.status, 200, JSON.stringify(res.json));
  t.is(res.json.code, 'partial_failure');
  t.deepEqual(res.json.warnings, ['key 0 dropped: invalid_days_since_onset']);
  t.is((await stored(k14))?.days_since_onset, -14);
  t.is(await stored(k15), undefined);
});

const onsetCases: Array<[string, { request?: number; claim?: number }, number]> = [
  ['request onset wins over the claim', { request: TODAY - 2 * 144, claim: TODAY - 5 * 144 }, 1],
  ['request onset in the future falls back to the claim', { request: CURRENT + 1, claim: TODAY - 5 * 144 }, 4],
  [
    'request onset older than 28 days falls back to the claim',
    { request: TODAY - 29 * 144, claim: TODAY - 5 * 144 },
    4,
  ],
  ['request onset at midnight 28 days ago is used (boundary)', { request: TODAY - 28 * 144 }, 27],
  ['no usable onset: now − 4 days', { request: CURRENT + 10, claim: CURRENT + 10 }, 3],
];
for (const [name, onset, expected] of onsetCases) {
  test(`onset: ${name}`, async (t) => {
    const k = key(TODAY - 144); // yesterday
    const res = await publishKeys([k], {
      extra: onset.request === undefined ? {} : { symptomOnsetInterval: onset.request },
      claims: onset.claim === undefined ? {} : { symptomOnsetInterval: onset.claim },
    });
    if (expected === 27) {
      // 27 days is beyond ±14: the onset was used, so the key is dropped.
      t.is(res.status, 400);
      t.deepEqual(res.json.warnings, ['key 0 dropped: invalid_days_since_onset']);
      return;
    }
    t.is(res.status, 200, JSON.stringify(res.json));
    t.is((await stored(k))?.days_since_onset, expected);
  });
}

test('report type comes from the certificate and drives the risk backfill', async (t) => {
  // negative → 6 is checked on a revision (publish-revision.test.ts): new negative keys are not stored.
  for (const [type, risk] of [
    ['confirmed', 2],
    ['likely', 4],
    ['user-report', 0],
  ] as const) {
    const k = key(TODAY - 144);
    const res = await publishKeys([k], { claims: { reportType: type } });
    t.is(res.status, 200, JSON.stringify(res.json));
    const row = await stored(k);
    t.is(row?.report_type, type);
    t.is(row?.transmission_risk, risk);
  }
});

test('unknown healthAuthorityID → 401 unknown_health_authority_id; lookup is case-insensitive', async (t) => {
  const keys = [key(TODAY - 144)];
  const unknown = await publishKeys(keys, { app: 'com.example.other' });
  t.is(unknown.status, 401);
  t.is(unknown.json.code, 'unknown_health_authority_id');
  t.is(unknown.headers.get('x-api-version'), 'v1');
  t.true((unknown.json.padding as string).length >= 1024);
  const upper = await publishKeys(keys, { app: 'COM.Example.APP' });
  t.is(upper.status, 200, JSON.stringify(upper.json));
});

test('the same key twice in one request is stored once', async (t) => {
  const k = key(TODAY - 144);
  const res = await publishKeys([k, { ...k }]);
  // Same start twice is allowed by the layout rule; the duplicate is dropped.
  t.is(res.status, 200, JSON.stringify(res.json));
  t.is(res.json.insertedExposures, 1);
  t.deepEqual(res.json.warnings, ['key 1 dropped: duplicate_key']);
});
