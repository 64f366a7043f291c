import { randomBytes } from 'node:crypto';
import test from 'ava';
import { Queue } from 'bullmq';
import { intervalNumber } from '../../../core/keys/intervals';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { COVID_ALERT_QUEUE, covidAlertSchedulerId } from '../../../hub/sources/covid-alert/covid-alert-schedules';
import { CovidAlertSourceRepository } from '../../../hub/sources/covid-alert/covid-alert-source.repository';
import { RetrieveTestServer } from '../../helpers/covid-alert-retrieve-server';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import { startTestHub } from '../../helpers/test-servers';

let hub: Awaited<ReturnType<typeof startTestHub>>;
let server: RetrieveTestServer;

test.before(async () => {
  server = new RetrieveTestServer(() => new Date());
  await server.start();
  hub = await startTestHub({
    env: { ENFED_COMPONENTS: 'covid-alert-pull', COVID_ALERT_SYNC_INTERVAL: '1', COVID_ALERT_REQUEST_TIMEOUT: '5' },
  });
});

test.after.always(async () => {
  await hub?.destroy();
  await server?.stop();
});

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('the running hub schedules a source added while it runs, pulls it repeatedly, never twice at once', async (t) => {
  const now = new Date();
  const yesterday = Math.floor(now.getTime() / 86_400_000) - 1;
  const start = intervalNumber(now) - 144 - (intervalNumber(now) % 144);
  server.upload(
    yesterday,
    Array.from({ length: 3 }, () => ({
      keyData: randomBytes(16),
      transmissionRiskLevel: 2,
      rollingStartIntervalNumber: start,
      rollingPeriod: 144,
    })),
  );
  const repo = new CovidAlertSourceRepository(hub.db.pool, UNSEALED);
  const add = (name: string) =>
    repo.add({
      name,
      baseUrl: server.url,
      retrieveRegion: '302',
      region: 'CA',
      retrieveKey: server.retrieveKey,
      publicKeyPem: server.publicKeyPem,
      intervalSeconds: 1,
    });
  const source = (await add('canada'))!;
  const spare = (await add('spare'))!;

  const runs = async () =>
    (
      await hub.db.pool.query<{ started_at: Date; finished_at: Date | null; error: string | null }>(
        'select started_at, finished_at, error from covid_alert_runs where source_id = $1 order by started_at, id',
        [source.id],
      )
    ).rows;
  const finished = await until(async () => {
    const all = (await runs()).filter((r) => r.finished_at !== null);
    return all.length >= 3 ? all : undefined;
  });
  t.true(finished.every((r) => r.error === null));
  for (let i = 1; i < finished.length; i += 1) {
    t.true(finished[i]!.started_at >= finished[i - 1]!.finished_at!, 'runs of one source never overlap');
  }
  // Both sources read the same server: whichever came first brought the keys, the other found them pooled.
  const pooled = await hub.db.pool.query<{ n: number }>(
    'select count(*)::int as n from exposure_keys where origin_query_id = any($1::int[])',
    [[source.id, spare.id]],
  );
  t.is(pooled.rows[0]!.n, 3, 'each key once, however many pulls and sources');

  const metrics = await (await fetch(`${hub.server.httpUrl}/metrics`)).text();
  t.regex(metrics, /enfed_covid_alert_pulls_total\{source="canada",outcome="done"\} [1-9]/);
  t.regex(metrics, /enfed_covid_alert_pulled_keys_total\{source="(canada|spare)",outcome="inserted"\} 3/);

  const queue = new Queue(COVID_ALERT_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: hub.config.REDIS_PREFIX });
  try {
    const ids = async () => (await queue.getJobSchedulers()).map((s) => s.id ?? s.key).sort();
    t.deepEqual(await ids(), [covidAlertSchedulerId('canada'), covidAlertSchedulerId('spare')]);
    await repo.remove('spare');
    await until(async () => ((await ids()).length === 1 ? true : undefined));
    t.deepEqual(await ids(), [covidAlertSchedulerId('canada')]);
  } finally {
    await queue.close();
  }
});
