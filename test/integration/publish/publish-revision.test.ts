import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { intervalNumber } from '../../../core/keys/intervals';
import { RevisionKeyRing } from '../../../node/publish/revision/revision-key-ring';
import { RevisionKeyRepository } from '../../../node/publish/revision/revision-key.repository';
import {
  REVISION_KEY_ROTATION_JOB,
  revisionKeyRotation,
} from '../../../node/publish/revision/revision-key-rotation.job';
import { startScheduledJob } from '../../../core/jobs/scheduled-worker';
import { createTestDatabase, TEST_REDIS_URL, testLogger, uniqueName } from '../../helpers/test-database';
import { createRedis } from '../../../core/jobs/redis';
import { dailyKeys, postPublish, publishBody, usePublishTestNode } from '../../helpers/publish-fixtures';

const NOW = new Date('2026-11-20T10:25:00Z');
const setup = usePublishTestNode(NOW);

const send = (keys: ReturnType<typeof dailyKeys>, reportType: string, revisionToken?: string) =>
  postPublish(
    setup.node.server.httpUrl,
    publishBody(setup.authority, keys, NOW, { claims: { reportType }, revisionToken }),
  );

const rows = async (keys: ReturnType<typeof dailyKeys>) =>
  (
    await setup.node.db.pool.query(
      `select report_type, transmission_risk, revised_report_type, revised_at, revised_days_since_onset, revised_transmission_risk
         from exposure_keys where key = any($1::bytea[]) order by interval_number`,
      [keys.map((k) => Buffer.from(k.key, 'base64'))],
    )
  ).rows;

test('token round trip: likely → confirmed revises every key once and records the revision', async (t) => {
  const keys = dailyKeys(NOW, 3);
  const first = await send(keys, 'likely');
  t.is(first.status, 200);
  const second = await send(keys, 'confirmed', first.json.revisionToken as string);
  t.is(second.status, 200, JSON.stringify(second.json).slice(0, 200));
  t.is(second.json.insertedExposures, 3);
  t.not(second.json.revisionToken, first.json.revisionToken);
  for (const row of await rows(keys)) {
    t.is(row.report_type, 'likely');
    t.is(row.transmission_risk, 4);
    t.is(row.revised_report_type, 'confirmed');
    t.is(row.revised_transmission_risk, 2);
    t.is((row.revised_at as Date).toISOString(), '2026-11-20T10:00:00.000Z');
    t.is(typeof row.revised_days_since_onset, 'number');
  }
  // The same type again changes nothing.
  const again = await send(keys, 'confirmed', second.json.revisionToken as string);
  t.is(again.status, 200);
  t.is(again.json.insertedExposures, 0);
});

test('re-sending stored keys without a token → missing_revision_token; nothing of the request is stored', async (t) => {
  const keys = dailyKeys(NOW, 2);
  t.is((await send(keys.slice(0, 1), 'likely')).status, 200);
  const res = await send(keys, 'confirmed');
  t.is(res.status, 400);
  t.is(res.json.code, 'missing_revision_token');
  const stored = await rows(keys);
  t.is(stored.length, 1, 'the new key of the failed request was not inserted');
  t.is(stored[0].revised_report_type, null);
});

test('an undecryptable token → invalid_revision_token', async (t) => {
  const keys = dailyKeys(NOW, 1);
  const first = await send(keys, 'likely');
  const token = Buffer.from(first.json.revisionToken as string, 'base64');
  token[token.length - 1]! ^= 1;
  const res = await send(keys, 'confirmed', token.toString('base64'));
  t.is(res.status, 400);
  t.is(res.json.code, 'invalid_revision_token');
  const garbage = await send(keys, 'confirmed', randomBytes(60).toString('base64'));
  t.is(garbage.json.code, 'invalid_revision_token');
});

test('a token that no longer opens does not block a publish of new keys (treated as absent, like upstream)', async (t) => {
  // Apps send their stored token on every later publish; once its key is destroyed (15 days) it cannot open.
  const keys = dailyKeys(NOW, 2);
  const stale = randomBytes(60).toString('base64');
  const res = await send(keys, 'confirmed', stale);
  t.is(res.status, 200, JSON.stringify(res.json).slice(0, 200));
  t.is(res.json.insertedExposures, 2);
  t.is((await rows(keys)).length, 2);
  const garbage = await send(dailyKeys(NOW, 1), 'confirmed', '%%%not-a-token');
  t.is(garbage.status, 200);
});

test('a new token also lists the keys of the token that came with the request (upstream union)', async (t) => {
  // A phone keeps only its latest token: after a second publish of other keys it must still be able to
  // revise the keys of the first.
  const first = dailyKeys(NOW, 2);
  const later = dailyKeys(NOW, 1).map((k) => ({ ...k, rollingStartNumber: k.rollingStartNumber - 2 * 144 }));
  const t1 = await send(first, 'likely');
  const t2 = await send(later, 'likely', t1.json.revisionToken as string);
  t.is(t2.status, 200);
  const revised = await send(first, 'confirmed', t2.json.revisionToken as string);
  t.is(revised.status, 200, JSON.stringify(revised.json).slice(0, 200));
  t.is(revised.json.insertedExposures, 2);
  t.deepEqual(
    (await rows(first)).map((r) => r.revised_report_type),
    ['confirmed', 'confirmed'],
  );
});

test("a revision is never dated before the key's own (embargoed) created_at hour", async (t) => {
  // Stored at 10:05 while still valid (expiry 10:20 → created_at 11:00), revised at 10:25 once expired: a
  // revised_at of 10:00 would put the key in the 10:00 file's revised_keys before its created_at hour closed.
  const current = intervalNumber(NOW);
  const keys = [
    { key: randomBytes(16).toString('base64'), rollingStartNumber: current - 6, rollingPeriod: 6, transmissionRisk: 0 },
  ];
  const first = await send(keys, 'likely');
  t.is(first.status, 200);
  await setup.node.db.pool.query(`update exposure_keys set created_at = '2026-11-20T11:00:00Z' where key = $1`, [
    Buffer.from(keys[0]!.key, 'base64'),
  ]);
  const second = await send(keys, 'confirmed', first.json.revisionToken as string);
  t.is(second.status, 200);
  t.is(((await rows(keys))[0].revised_at as Date).toISOString(), '2026-11-20T11:00:00.000Z');
});

test('negative keys never stored before are not inserted (only a revision to negative is kept), like upstream', async (t) => {
  // A negative test result revokes keys published earlier; keys of someone who tested negative and never
  // published are nobody's exposure risk and must not be handed to every phone.
  const keys = dailyKeys(NOW, 2);
  const first = await send(keys.slice(0, 1), 'likely');
  const res = await send(keys, 'negative', first.json.revisionToken as string);
  t.is(res.status, 200, JSON.stringify(res.json).slice(0, 200));
  t.is(res.json.insertedExposures, 1);
  const stored = await rows(keys);
  t.is(stored.length, 1, 'the never-published negative key was not inserted');
  t.is(stored[0].revised_report_type, 'negative');
  t.is(stored[0].revised_transmission_risk, 6, 'negative backfills 0 to 6');
  const alone = await send(dailyKeys(NOW, 2), 'negative');
  t.is(alone.status, 200);
  t.is(alone.json.insertedExposures, 0);
  t.is(typeof alone.json.revisionToken, 'string');
});

test('a valid token that does not list the re-sent keys → invalid_revision_token', async (t) => {
  const keys = dailyKeys(NOW, 1);
  await send(keys, 'likely');
  const other = await send(dailyKeys(NOW, 1), 'likely');
  const res = await send(keys, 'confirmed', other.json.revisionToken as string);
  t.is(res.status, 400);
  t.is(res.json.code, 'invalid_revision_token');
});

test('a disallowed transition → invalid_report_type_transition', async (t) => {
  const keys = dailyKeys(NOW, 1);
  const first = await send(keys, 'confirmed');
  const res = await send(keys, 'likely', first.json.revisionToken as string);
  t.is(res.status, 400);
  t.is(res.json.code, 'invalid_report_type_transition');
  t.is((await rows(keys))[0].revised_report_type, null);
});

test('a key is revised at most once → key_already_revised', async (t) => {
  const keys = dailyKeys(NOW, 1);
  const first = await send(keys, 'user-report');
  const second = await send(keys, 'likely', first.json.revisionToken as string);
  t.is(second.status, 200);
  const third = await send(keys, 'confirmed', second.json.revisionToken as string);
  t.is(third.status, 400);
  t.is(third.json.code, 'key_already_revised');
  t.is((await rows(keys))[0].revised_report_type, 'likely');
});

test('revision keys rotate: old tokens open until their key is destroyed; the scheduled job rotates', async (t) => {
  const db = await createTestDatabase();
  const redis = createRedis(TEST_REDIS_URL);
  try {
    const day = 86_400_000;
    const t0 = new Date('2026-01-01T00:00:00Z');
    const revisionKeys = new RevisionKeyRepository(db.pool, UNSEALED);
    const rotate = (at: Date) => revisionKeys.rotate(at, 7 * 86400, 15 * 86400);
    t.deepEqual(await rotate(t0), { created: true, deleted: 0 });
    t.deepEqual(await rotate(new Date(t0.getTime() + 6 * day)), { created: false, deleted: 0 });
    const ring = new RevisionKeyRing(revisionKeys, 0, () => rotate(t0));
    const revisable = [{ key: randomBytes(16), intervalNumber: intervalNumber(t0), intervalCount: 144 }];
    const oldToken = await ring.seal(revisable);

    t.deepEqual(await rotate(new Date(t0.getTime() + 7 * day)), { created: true, deleted: 0 });
    t.is((await revisionKeys.load()).length, 2);
    t.deepEqual(await ring.open(oldToken), revisable, 'a token sealed with the previous key still opens');
    const newToken = await ring.seal(revisable);
    t.not(newToken.slice(0, 4), oldToken.slice(0, 4));

    // 16 days after t0 the first key is destroyed (and a third key is created), the second survives.
    const outcome = await rotate(new Date(t0.getTime() + 16 * day));
    t.deepEqual(outcome, { created: true, deleted: 1 });
    t.is(await ring.open(oldToken), undefined);
    t.deepEqual(await ring.open(newToken), revisable);

    const prefix = uniqueName('enfed_test');
    const job = await startScheduledJob({
      name: REVISION_KEY_ROTATION_JOB,
      prefix,
      connection: redis,
      logger: testLogger(),
      everySeconds: 3600,
      handler: revisionKeyRotation({
        keys: revisionKeys,
        logger: testLogger(),
        now: () => new Date(t0.getTime() + 40 * day),
        rotationSeconds: 7 * 86400,
        retentionSeconds: 15 * 86400,
      }),
    });
    try {
      const schedulers = await job.queue.getJobSchedulers();
      t.is(schedulers.length, 1);
      await job.runNow();
      const keys = await revisionKeys.load();
      t.is(keys.length, 1, 'only the newest key survives a long gap');
      t.is(keys[0]!.createdAt.toISOString(), new Date(t0.getTime() + 40 * day).toISOString());
    } finally {
      await job.queue.obliterate({ force: true }).catch(() => undefined);
      await job.close();
    }
  } finally {
    await redis.quit();
    await db.destroy();
  }
});
