import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { NodeConfig } from '../../../node/node.config';
import { enfedInProcess } from '../../helpers/cli';
import { startTestNode, type TestServer } from '../../helpers/test-servers';

const NOW = new Date('2026-11-20T10:25:00Z');
let clock = NOW;
let node: TestServer<NodeConfig>;
let dir: string;

test.before(async () => {
  node = await startTestNode({
    now: () => clock,
    env: {
      ENFED_COMPONENTS: 'app-metrics',
      APP_METRICS_API_KEY: 'metrics-key-0123',
      APP_METRICS_MAX_BODY_BYTES: '2048',
      APP_METRICS_CLEANUP_INTERVAL: '1',
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'enfed-metrics-'));
});
test.after.always(async () => {
  await node?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ts = NOW.getTime();

function upload(overrides: Record<string, unknown> = {}, events?: Record<string, unknown>[]) {
  return {
    metricstimestamp: ts,
    appversion: '1.2.3 (45)',
    appos: 'android',
    osversion: '11.0.1',
    manufacturer: 'Google',
    model: 'Pixel 4a',
    androidreleaseversion: '11',
    payload: events ?? [
      { identifier: 'installed', region: 'ON', timestamp: ts },
      { identifier: 'exposed', region: 'ON', timestamp: ts, count: 3, pushnotification: 'on' },
      { identifier: 'exposed', region: 'ON', timestamp: ts, count: 4, pushnotification: 'on' },
      { identifier: 'background-check', region: '', timestamp: ts - 86_400_000, durationInSeconds: 45 },
    ],
    ...overrides,
  };
}

async function post(body: unknown, headers: Record<string, string> = { 'x-api-key': 'metrics-key-0123' }) {
  const res = await fetch(`${node.server.httpUrl}/save-metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { status: string } };
}

async function count(table: string): Promise<number> {
  return Number((await node.db.pool.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]?.n);
}

test.serial(
  'uploads are counted per day, region, identifier, OS and version buckets and exported as CSV',
  async (t) => {
    t.deepEqual(await post(upload()), { status: 200, json: { status: 'RECORD CREATED' } });
    t.is(
      (
        await post(
          upload({
            appos: 'ios',
            osversion: '14.4.2',
            model: undefined,
            manufacturer: undefined,
            androidreleaseversion: undefined,
          }),
        )
      ).status,
      200,
    );
    t.is(await count('app_metrics_raw'), 2);

    const out = join(dir, 'day.csv');
    const run = await enfedInProcess(['metrics', 'export', '--date', '2026-11-20', '--out', out], {
      DATABASE_URL: node.db.url,
      LOG_LEVEL: 'silent',
    });
    t.is(run.code, 0, run.stderr);
    const csv = (await readFile(out, 'utf8')).trim().split('\n');
    t.is(
      csv[0],
      'day,region,identifier,app_os,os_version,app_version,count_bucket,duration_bucket,push_notification,framework_enabled,state,is_user_exposed,metric_count',
    );
    t.deepEqual(csv.slice(1), [
      '2026-11-20,ON,exposed,android,11,1.2.3,1-6,*,on,*,*,*,2',
      '2026-11-20,ON,exposed,ios,14,1.2.3,1-6,*,on,*,*,*,2',
      '2026-11-20,ON,installed,android,11,1.2.3,*,*,*,*,*,*,1',
      '2026-11-20,ON,installed,ios,14,1.2.3,*,*,*,*,*,*,1',
    ]);
    // Nothing that tells a device apart is in the counters.
    t.false(csv.join('\n').includes('Pixel'));
    const before = await enfedInProcess(['metrics', 'export', '--date', '2026-11-19'], {
      DATABASE_URL: node.db.url,
      LOG_LEVEL: 'silent',
    });
    t.deepEqual(before.stdout.trim().split('\n').slice(1), [
      '2026-11-19,None,background-check,android,11,1.2.3,*,30 - 59,*,*,*,*,1',
      '2026-11-19,None,background-check,ios,14,1.2.3,*,30 - 59,*,*,*,*,1',
    ]);
    const bad = await enfedInProcess(['metrics', 'export', '--date', '20-11-2026'], { DATABASE_URL: node.db.url });
    t.is(bad.code, 2);
  },
);

test.serial('bad uploads are refused with 4xx and store nothing', async (t) => {
  const raw = await count('app_metrics_raw');
  const daily = await count('app_metrics_daily');
  const cases: [string, unknown, Record<string, string> | undefined, number][] = [
    ['no api key', upload(), {}, 401],
    ['wrong api key', upload(), { 'x-api-key': 'nope' }, 401],
    ['not JSON', '{nope', undefined, 400],
    ['no payload', upload({ payload: [] }), undefined, 400],
    ['unknown os', upload({ appos: 'windows' }), undefined, 400],
    ['unknown field', upload({ deviceId: 'abc' }), undefined, 400],
    ['event without identifier', upload({}, [{ region: 'ON', timestamp: ts }]), undefined, 400],
    ['event with an extra field', upload({}, [{ identifier: 'x', timestamp: ts, ip: '10.0.0.1' }]), undefined, 400],
    ['bad timestamp', upload({}, [{ identifier: 'x', timestamp: 'yesterday' }]), undefined, 400],
    [
      'too large',
      upload(
        {},
        Array.from({ length: 40 }, () => ({ identifier: 'x'.repeat(60), timestamp: ts })),
      ),
      undefined,
      413,
    ],
  ];
  for (const [name, body, headers, status] of cases) {
    t.is((await post(body, headers)).status, status, name);
  }
  t.is(await count('app_metrics_raw'), raw);
  t.is(await count('app_metrics_daily'), daily);
});

test.serial('the cleanup job deletes raw uploads after 24 hours; the counters stay', async (t) => {
  const daily = await count('app_metrics_daily');
  t.true((await count('app_metrics_raw')) > 0);
  clock = new Date(NOW.getTime() + 25 * 3_600_000);
  // The scheduled cleanup (every second here) sees the clock move past 24 h.
  for (let i = 0; i < 60 && (await count('app_metrics_raw')) > 0; i++) await new Promise((r) => setTimeout(r, 250));
  t.is(await count('app_metrics_raw'), 0);
  t.is(await count('app_metrics_daily'), daily);
});
