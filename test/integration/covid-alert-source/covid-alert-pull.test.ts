import { generateKeyPairSync, randomBytes } from 'node:crypto';
import test from 'ava';
import yazl from 'yazl';
import type { ExportRecord } from '../../../core/export/format/export-row';
import { intervalNumber } from '../../../core/keys/intervals';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { KeyPool } from '../../../hub/pool/key-pool';
import { loadUpstreamStatus } from '../../../hub/status/hub-status';
import { StatusRepository } from '../../../hub/status/status.repository';
import { CovidAlertSourceRepository } from '../../../hub/sources/covid-alert/covid-alert-source.repository';
import { pullCovidAlert, type CovidAlertPullDeps } from '../../../hub/sources/covid-alert/pull-covid-alert';
import { captureLogs } from '../../helpers/captured-logs';
import { RetrieveTestServer } from '../../helpers/covid-alert-retrieve-server';
import { createTestDatabase, testLogger, type TestDatabase } from '../../helpers/test-database';

const DAY_MS = 86_400_000;
let clock = new Date('2026-11-30T12:20:00Z');
const now = () => clock;
const today = () => Math.floor(clock.getTime() / DAY_MS);

let db: TestDatabase;
let server: RetrieveTestServer;
let deps: CovidAlertPullDeps;

test.before(async () => {
  db = await createTestDatabase();
  server = new RetrieveTestServer(now);
  await server.start();
  deps = {
    db: db.pool,
    keyPool: new KeyPool({ acceptSelfReport: false }),
    sealer: UNSEALED,
    logger: testLogger(),
    now,
    truncateWindowSeconds: 3600,
    servedDays: 14,
    timeoutSeconds: 2,
    maxZipBytes: 1024 * 1024,
    maxEntryBytes: 1024 * 1024,
    backoffBaseSeconds: 60,
    backoffMaxSeconds: 3600,
  };
});

test.after.always(async () => {
  await server?.stop();
  await db?.destroy();
});

/** A key that started `daysAgo` days before the test clock (COVID Alert keys: no report type, no onset). */
function key(daysAgo: number): ExportRecord {
  return {
    keyData: randomBytes(16),
    transmissionRiskLevel: 4,
    rollingStartIntervalNumber: intervalNumber(clock) - 144 * daysAgo - (intervalNumber(clock) % 144),
    rollingPeriod: 144,
  };
}

async function addSource(name: string, overrides: { retrieveKey?: Buffer; publicKeyPem?: string; url?: string }) {
  const repo = new CovidAlertSourceRepository(db.pool, UNSEALED);
  const source = await repo.add({
    name,
    baseUrl: overrides.url ?? server.url,
    retrieveRegion: '302',
    region: 'CA',
    retrieveKey: overrides.retrieveKey ?? server.retrieveKey,
    publicKeyPem: overrides.publicKeyPem ?? server.publicKeyPem,
    intervalSeconds: 3600,
  });
  return source!.id;
}

async function pooledFrom(sourceId: number) {
  const { rows } = await db.pool.query<{ n: number; local: number; regions: string[]; created: Date }>(
    `select count(*)::int as n, count(*) filter (where local_provenance)::int as local,
            array_agg(distinct r) as regions, max(created_at) as created
       from exposure_keys, unnest(regions) r where origin_query_id = $1`,
    [sourceId],
  );
  return rows[0]!;
}

async function lastRun(sourceId: number) {
  const { rows } = await db.pool.query<{ error: string | null; days: number; inserted: number }>(
    'select error, days, inserted from covid_alert_runs where source_id = $1 order by id desc limit 1',
    [sourceId],
  );
  return rows[0]!;
}

test.serial('pulls every served day once, verified, into the pool; a re-pull adds nothing', async (t) => {
  server.upload(today() - 3, [key(4), key(5)]);
  server.upload(today() - 1, [key(2)]);
  server.upload(today(), [key(1), key(1)]);
  const id = await addSource('on', {});

  const first = await pullCovidAlert(deps, id);
  t.like(first, { status: 'done', counts: { inserted: 5, received: 5, invalid: 0, duplicates: 0 } });
  const pooled = await pooledFrom(id);
  t.is(pooled.n, 5);
  t.is(pooled.local, 0);
  t.deepEqual(pooled.regions, ['CA']);
  t.deepEqual(pooled.created, new Date('2026-11-30T12:00:00Z')); // arrival truncated to the window
  const asked = server.requests.filter((r) => r.status === 200).length;
  t.is(asked, 15, 'today and the 14 days before it');

  const again = await pullCovidAlert(deps, id);
  t.like(again, { status: 'done', counts: { days: 0, inserted: 0, received: 0 } });
  t.is((await pooledFrom(id)).n, 5);

  // Today's file grows: only the new key arrives.
  server.upload(today(), [key(0)]);
  const grown = await pullCovidAlert(deps, id);
  t.like(grown, { status: 'done', counts: { days: 1, inserted: 1, duplicates: 2 } });
  t.is((await pooledFrom(id)).n, 6);

  // A day later (after the margin), every day pulled after it ended is final and never asked for again.
  clock = new Date(clock.getTime() + DAY_MS);
  server.requests.length = 0;
  t.like(await pullCovidAlert(deps, id), { status: 'done', counts: { inserted: 0 } });
  const days = server.requests.map((r) => Number(r.day) - today()).sort((a, b) => a - b);
  t.deepEqual(days, [-1, 0], 'only yesterday (pulled before it ended) and today');
  server.requests.length = 0;
  clock = new Date(clock.getTime() + 3 * 3_600_000);
  await pullCovidAlert(deps, id);
  t.deepEqual(
    server.requests.map((r) => Number(r.day) - today()),
    [0],
  );
  await db.pool.query('delete from covid_alert_sources where id = $1', [id]);
});

test.serial('a file signed by another key is refused and recorded; nothing is stored', async (t) => {
  server.upload(today() - 2, [key(3)]);
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
  const id = await addSource('wrong-key', { publicKeyPem: other.export({ type: 'spki', format: 'pem' }).toString() });
  const outcome = await pullCovidAlert(deps, id);
  t.like(outcome, { status: 'failed', counts: { inserted: 0, days: 0 } });
  t.regex((outcome as { error: string }).error, /^export_signature_invalid \(day \d+\) and 14 more day\(s\)$/);
  t.is((await pooledFrom(id)).n, 0);
  t.regex((await lastRun(id)).error ?? '', /export_signature_invalid/);
  const ledger = await db.pool.query<{ state: string; error: string }>(
    'select state, error from covid_alert_days where source_id = $1',
    [id],
  );
  t.is(ledger.rows.length, 15);
  t.true(ledger.rows.every((r) => r.state === 'failed' && r.error === 'export_signature_invalid'));
  const source = await new CovidAlertSourceRepository(db.pool, UNSEALED).get(id);
  t.is(source?.consecutiveFailures, 1);
  t.true((source?.nextAttemptAt ?? clock) > clock, 'backing off');
  t.like(await pullCovidAlert(deps, id), { status: 'backing-off' });

  // The status page shows the source beside the federation upstreams, failing, with the run's error.
  const rows = await loadUpstreamStatus({ repository: new StatusRepository(db.pool), now: clock });
  const row = rows.find((u) => u.name === 'wrong-key');
  t.like(row, { kind: 'covid-alert', state: 'failing', includeRegions: ['CA'], consecutiveFailures: 1 });
  t.regex(row?.lastPull?.error ?? '', /^export_signature_invalid/);
});

test.serial('a wrong retrieve key is answered 401: the run fails at once and is recorded', async (t) => {
  server.requests.length = 0;
  const id = await addSource('bad-mac', { retrieveKey: Buffer.alloc(32, 9) });
  const outcome = await pullCovidAlert(deps, id);
  t.like(outcome, { status: 'failed', error: 'http_401' });
  t.is(server.requests.length, 1, 'no other day is tried');
  t.is((await lastRun(id)).error, 'http_401');
  t.is((await pooledFrom(id)).n, 0);
});

test.serial('the MAC is made for the current hour: the server accepts our clock one hour off, not two', async (t) => {
  const id = await addSource('skew', {});
  server.skewMs = 3_600_000;
  t.like(await pullCovidAlert(deps, id), { status: 'done' });
  server.skewMs = 2 * 3_600_000 + 60_000;
  t.like(await pullCovidAlert(deps, id, { ignoreBackoff: true }), { status: 'failed', error: 'http_401' });
  server.skewMs = 0;
});

test.serial('one damaged day fails alone: the other days are ingested, the damaged one is retried', async (t) => {
  const day = today() - 4;
  server.upload(day, [key(5)]);
  server.upload(today() - 5, [key(6)]);
  server.corrupt.add(day);
  const id = await addSource('damaged', {});
  const outcome = await pullCovidAlert(deps, id);
  t.like(outcome, { status: 'failed', error: `export_zip_invalid (day ${day})` });
  const before = (await pooledFrom(id)).n;
  t.true(before > 0);
  server.corrupt.delete(day);
  const retried = await pullCovidAlert(deps, id, { ignoreBackoff: true });
  t.like(retried, { status: 'done', counts: { days: 1, inserted: 1 } });
});

test.serial('a stalled server times out; the run is recorded and nothing is stored', async (t) => {
  const id = await addSource('stalled', {});
  server.stall = true;
  try {
    const outcome = await pullCovidAlert({ ...deps, timeoutSeconds: 1 }, id);
    t.like(outcome, { status: 'failed', error: 'retrieve_timeout' });
    t.is((await lastRun(id)).error, 'retrieve_timeout');
    t.is((await pooledFrom(id)).n, 0);
  } finally {
    server.stall = false;
  }
});

test.serial('two pulls of one source never run at once', async (t) => {
  const id = await addSource('locked', {});
  const repo = new CovidAlertSourceRepository(db.pool, UNSEALED);
  const holder = await db.pool.connect();
  try {
    t.true(await repo.tryLock(holder, id), 'a pull in progress elsewhere');
    t.deepEqual(await pullCovidAlert(deps, id), { status: 'busy' });
  } finally {
    await repo.unlock(holder, id);
    holder.release();
  }
  t.like(await pullCovidAlert(deps, id), { status: 'done' });
});

function zipOf(entries: Record<string, Buffer>): Promise<Buffer> {
  const file = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) file.addBuffer(data, name);
  file.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    file.outputStream.on('data', (c: Buffer) => chunks.push(c));
    file.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    file.outputStream.on('error', reject);
  });
}

test.serial('a zip bomb and an oversized answer are refused at their caps; the other days go on', async (t) => {
  const bombDay = today() - 6;
  const bigDay = today() - 7;
  server.upload(today() - 8, [key(9)]);
  const bomb = await zipOf({ 'export.bin': Buffer.alloc(4 * 1024 * 1024), 'export.sig': Buffer.alloc(10) });
  t.true(bomb.length < 64 * 1024, 'a small zip');
  server.raw.set(bombDay, bomb);
  server.raw.set(bigDay, randomBytes(2 * 1024 * 1024));
  try {
    const id = await addSource('hostile', {});
    const outcome = await pullCovidAlert(deps, id);
    t.like(outcome, { status: 'failed' });
    const { rows } = await db.pool.query<{ day: number; error: string }>(
      "select day, error from covid_alert_days where source_id = $1 and state = 'failed' order by day",
      [id],
    );
    t.deepEqual(rows, [
      { day: bigDay, error: 'retrieve_too_large' },
      { day: bombDay, error: 'export_too_large' },
    ]);
    t.true((await pooledFrom(id)).n > 0, 'the good days were ingested');
  } finally {
    server.raw.clear();
  }
});

test.serial('a day whose ingest fails stores nothing of it: no keys, no digest, no counters', async (t) => {
  const day = today() - 9;
  server.upload(day, [key(10), key(10)]);
  const id = await addSource('half', {});
  const real = deps.keyPool;
  const failing = {
    async ingest(...args: Parameters<KeyPool['ingest']>) {
      const counts = await real.ingest(...args);
      if (counts.inserted > 0) throw new Error('the process dies after writing the keys');
      return counts;
    },
  } as KeyPool;
  const outcome = await pullCovidAlert({ ...deps, keyPool: failing }, id);
  t.like(outcome, { status: 'failed', counts: { inserted: 0 } });
  t.is((await pooledFrom(id)).n, 0);
  const { rows } = await db.pool.query<{ state: string }>(
    'select state from covid_alert_days where source_id = $1 and day = $2',
    [id, day],
  );
  t.deepEqual(rows, [{ state: 'failed' }]);
  t.like(await lastRun(id), { inserted: 0 });
  // The next pull (a healthy process) ingests the day whole.
  const retried = await pullCovidAlert(deps, id, { ignoreBackoff: true });
  t.like(retried, { status: 'done' });
  t.true((await pooledFrom(id)).n >= 2);
});

test.serial('logs name the source, days and error codes, never the retrieve key, a MAC or a key', async (t) => {
  const logs = captureLogs('debug');
  server.upload(today() - 10, [key(11)]);
  server.corrupt.add(today() - 10);
  try {
    const id = await addSource('quiet', {});
    t.like(await pullCovidAlert({ ...deps, logger: logs.logger }, id), { status: 'failed' });
    server.corrupt.clear();
    t.like(await pullCovidAlert({ ...deps, logger: logs.logger }, id, { ignoreBackoff: true }), { status: 'done' });
    const bad = await addSource('quiet-bad-mac', { retrieveKey: Buffer.alloc(32, 3) });
    await pullCovidAlert({ ...deps, logger: logs.logger }, bad);
  } finally {
    server.corrupt.clear();
  }
  const text = logs.text();
  t.regex(text, /export_zip_invalid/);
  t.regex(text, /"source":"quiet"/);
  t.false(text.includes(server.retrieveKey.toString('hex')));
  t.false(/[0-9a-f]{64}/i.test(text), 'no MAC (nor anything as long) in the logs');
  t.false(/\/retrieve\//.test(text), 'no retrieve URL');
  const pooled = await db.pool.query<{ key: Buffer }>('select key from exposure_keys');
  t.true(pooled.rows.every((r) => !text.includes(r.key.toString('hex')) && !text.includes(r.key.toString('base64'))));
});
