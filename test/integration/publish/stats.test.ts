import test from 'ava';
import { intervalNumber } from '../../../core/keys/intervals';
import type { NodeConfig } from '../../../node/node.config';
import { newP256Key } from '../../helpers/p256-keys';
import {
  dailyKeys,
  publishBody,
  registerAuthorityAndApp,
  signCertificate,
  type TestAuthority,
} from '../../helpers/publish-fixtures';
import { startTestNode, type TestServer } from '../../helpers/test-servers';

const T0 = new Date('2026-11-20T10:25:00Z');
const HOUR = 3_600_000;
let clock = T0;
let node: TestServer<NodeConfig>;
let authority: TestAuthority;

test.before(async () => {
  node = await startTestNode({ now: () => clock });
  authority = await registerAuthorityAndApp(node.db.orm, { now: new Date(T0.getTime() - 10 * 86_400_000) });
});
test.after.always(async () => {
  await node?.destroy();
});

async function publishAt(
  at: Date,
  userAgent: string,
  options: {
    keys?: ReturnType<typeof dailyKeys>;
    onsetDaysAgo?: number;
    claims?: Record<string, unknown>;
    revisionToken?: string;
  } = {},
): Promise<{ status: number; revisionToken?: string }> {
  clock = at;
  const keys = options.keys ?? dailyKeys(at, 3);
  const extra =
    options.onsetDaysAgo === undefined
      ? {}
      : { symptomOnsetInterval: intervalNumber(new Date(at.getTime() - options.onsetDaysAgo * 86_400_000)) };
  const body = publishBody(authority, keys, at, {
    extra,
    claims: options.claims,
    revisionToken: options.revisionToken,
  });
  const res = await fetch(`${node.server.httpUrl}/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { revisionToken?: string };
  return { status: res.status, revisionToken: json.revisionToken };
}

function statsToken(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, signer = authority) {
  const now = Math.floor(clock.getTime() / 1000);
  return signCertificate(
    signer,
    { iss: authority.iss, aud: authority.aud, iat: now, exp: now + 300, ...claims },
    header,
  );
}

async function readStats(authorization: string | undefined, body = '{"padding":"AAAA"}') {
  const res = await fetch(`${node.server.httpUrl}/v1/stats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown> & { days?: Record<string, unknown>[] },
  };
}

test.serial('publishes are counted per hour and released per day by threshold or embargo', async (t) => {
  const day = T0.getTime() - (T0.getTime() % 86_400_000);
  const keys = dailyKeys(T0, 3);
  // Day T0: 12 publishes in two hours, by platform, one with an onset, one revision.
  const first = await publishAt(T0, 'Mozilla/5.0 (Linux; Android 12)', {
    keys,
    claims: { reportType: 'likely' },
  });
  t.is(first.status, 200);
  for (let i = 0; i < 4; i++) t.is((await publishAt(T0, 'Mozilla/5.0 (iPhone; CPU iPhone OS 14_0)')).status, 200);
  t.is((await publishAt(T0, 'bluetoothd CFNetwork/1220', { onsetDaysAgo: 5 })).status, 200);
  for (let i = 0; i < 5; i++) t.is((await publishAt(new Date(T0.getTime() + HOUR), 'curl/8')).status, 200);
  // The first publish's keys again, confirmed: a revision.
  const revised = await publishAt(new Date(T0.getTime() + HOUR), 'okhttp android', {
    keys,
    revisionToken: first.revisionToken,
  });
  t.is(revised.status, 200);
  // Three days before: one publish (48 h embargo over); the day before: one publish (still embargoed).
  t.is((await publishAt(new Date(day - 3 * 86_400_000 + HOUR), 'curl/8')).status, 200);
  t.is((await publishAt(new Date(day - 86_400_000 + HOUR), 'curl/8')).status, 200);

  // Read at T0 + 1h: only the hour before counts, and 6 publishes are under the threshold.
  clock = new Date(T0.getTime() + HOUR);
  const early = await readStats(`Bearer ${statsToken()}`);
  t.is(early.status, 200);
  t.deepEqual(
    early.json.days?.map((d) => d.day),
    ['2026-11-17T00:00:00Z'],
  );
  t.true(typeof early.json.padding === 'string' && (early.json.padding as string).length >= 2048);

  // Read at T0 + 2h: day T0 has 12 publishes.
  clock = new Date(T0.getTime() + 2 * HOUR);
  const later = await readStats(`Bearer ${statsToken()}`);
  t.is(later.status, 200);
  t.deepEqual(
    later.json.days?.map((d) => d.day),
    ['2026-11-17T00:00:00Z', '2026-11-20T00:00:00Z'],
  );
  const today = later.json.days?.[1] as Record<string, unknown>;
  t.deepEqual(today.publish_requests, { unknown: 5, android: 2, ios: 5 });
  t.is(today.requests_with_revisions, 1);
  t.is(today.total_teks_published, 11 * 3 + 3);
  t.is(today.requests_missing_onset_date, 10);
  const onset = today.onset_to_upload_distribution as number[];
  t.is(onset.length, 30);
  t.is(onset[5], 1);
  const age = today.tek_age_distribution as number[];
  t.is(age.length, 16);
  t.is(
    age.reduce((a, b) => a + b, 0),
    11,
  );
  t.is(age[3], 11);
});

test.serial('bad tokens are refused with 401 unauthorized; a bad body with 400', async (t) => {
  clock = new Date(T0.getTime() + 2 * HOUR);
  const now = Math.floor(clock.getTime() / 1000);
  const other = { ...authority, privateKey: newP256Key().privateKey };
  const cases: [string, string | undefined][] = [
    ['no header', undefined],
    ['not bearer', `Basic ${statsToken()}`],
    ['garbage', 'Bearer abc.def.ghi'],
    ['wrong aud', `Bearer ${statsToken({ aud: 'someone-else' })}`],
    ['unknown iss', `Bearer ${statsToken({ iss: 'nobody' })}`],
    ['unknown kid', `Bearer ${statsToken({}, { kid: 'v9' })}`],
    ['another key', `Bearer ${statsToken({}, {}, other)}`],
    ['expired', `Bearer ${statsToken({ exp: now - 3600 })}`],
    ['no exp', `Bearer ${statsToken({ exp: undefined })}`],
    ['HS256', `Bearer ${statsToken({}, { alg: 'HS256' })}`],
  ];
  for (const [name, authorization] of cases) {
    const res = await readStats(authorization);
    t.is(res.status, 401, name);
    t.is(res.json.code, 'unauthorized', name);
    t.is(res.json.days, undefined, name);
  }
  const bad = await readStats(`Bearer ${statsToken()}`, '{not json');
  t.is(bad.status, 400);
  t.is(bad.json.code, 'bad_request');
});

test.serial('the retention deletes whole days older than STATS_RETENTION', async (t) => {
  const { StatsRepository } = await import('../../../node/publish/stats/stats.repository');
  const stats = new StatsRepository(node.db.pool);
  const hours = async () =>
    (await stats.hours(authority.id, new Date('2030-01-01T00:00:00Z'))).map((h) => h.hour.toISOString());
  const before = await hours();
  t.true(before.includes('2026-11-17T01:00:00.000Z'));
  // A cut-off at 2026-11-19 12:00 rounds down to midnight: the 17th's hour goes, the 19th stays whole.
  t.is(await stats.deleteBefore(new Date('2026-11-19T12:00:00Z')), 1);
  t.deepEqual(
    await hours(),
    before.filter((h) => h >= '2026-11-19'),
  );
});
