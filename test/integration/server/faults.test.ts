import test from 'ava';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { deleteRedisPrefix } from '../../../core/jobs/redis';
import { dailyKeys, postPublish, publishBody, registerAuthorityAndApp } from '../../helpers/publish-fixtures';
import { captureLogs } from '../../helpers/captured-logs';
import { startTcpProxy } from '../../helpers/tcp-proxy';
import { TEST_PG_URL, TEST_REDIS_URL } from '../../helpers/test-database';
import { startTestHub, startTestNode } from '../../helpers/test-servers';
import { generateTestCerts } from '../../helpers/federation-certs';
import { connectHubToNode } from '../../helpers/federation-harness';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { PULL_QUEUE, pullSchedulerId } from '../../../hub/sources/federation/pull-schedules';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function readiness(httpUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${httpUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function via(proxyPort: number, url: string): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxyPort);
  return parsed.toString();
}

test('PostgreSQL going away under publishes: 503 unavailable with Retry-After, nothing half-stored, then 200 again', async (t) => {
  const pgHost = new URL(TEST_PG_URL);
  const proxy = await startTcpProxy(`${pgHost.hostname}:${pgHost.port || 5432}`);
  const now = new Date();
  // The node reaches its database through the proxy; the test reads it directly.
  const node = await startTestNode({ env: { PUBLISH_CACHE_TTL: '1s' }, databaseVia: (url) => via(proxy.port, url) });
  try {
    const authority = await registerAuthorityAndApp(node.db.orm, { now });
    t.is((await postPublish(node.server.httpUrl, publishBody(authority, dailyKeys(now, 3), now))).status, 200);

    await proxy.cut();
    const keys = dailyKeys(now, 3);
    const refused = await postPublish(node.server.httpUrl, publishBody(authority, keys, now));
    t.is(refused.status, 503);
    t.is(refused.json.code, 'unavailable');
    t.is(refused.headers.get('retry-after'), '5');
    t.is((await readiness(node.server.httpUrl)).status, 503, 'not ready without its database');

    await proxy.resume();
    const stored = await until('a publish after PostgreSQL came back', async () => {
      const again = await postPublish(node.server.httpUrl, publishBody(authority, keys, now));
      return again.status === 200 ? again : undefined;
    });
    t.is(stored.json.insertedExposures, 3, 'the refused request stored nothing: all 3 keys are new now');
  } finally {
    await proxy.resume();
    await node.destroy();
    await proxy.close();
  }
});

test('Redis down: publishing goes on and /readyz says ready but degraded; a jobs-only process is not ready', async (t) => {
  const redisHost = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy(`${redisHost.hostname}:${redisHost.port || 6379}`);
  const now = new Date();
  const redisUrl = via(proxy.port, TEST_REDIS_URL);
  const node = await startTestNode({ env: { REDIS_URL: redisUrl } });
  const jobsOnly = await startTestNode({ env: { REDIS_URL: redisUrl, ENFED_COMPONENTS: 'cleanup' } });
  try {
    const authority = await registerAuthorityAndApp(node.db.orm, { now });
    t.like(await readiness(node.server.httpUrl), { status: 200, body: { status: 'ok' } });

    await proxy.cut();
    const degraded = await until('readiness to notice Redis is gone', async () => {
      const r = await readiness(node.server.httpUrl);
      return r.body.status === 'degraded' ? r : undefined;
    });
    t.is(degraded.status, 200);
    t.like(degraded.body, { traffic: 'ok', jobs: 'impaired', checks: { postgres: 'ok' } });
    t.not((degraded.body.checks as Record<string, string>).redis, 'ok');
    const published = await postPublish(node.server.httpUrl, publishBody(authority, dailyKeys(now, 2), now));
    t.is(published.status, 200, 'publish needs only PostgreSQL');
    t.is((await readiness(jobsOnly.server.httpUrl)).status, 503, 'a process that only runs jobs is not ready');

    await proxy.resume();
    await until('readiness to recover', async () =>
      (await readiness(node.server.httpUrl)).body.status === 'ok' ? true : undefined,
    );
    t.pass();
  } finally {
    await proxy.resume();
    await Promise.allSettled([node.destroy(), jobsOnly.destroy()]);
    await proxy.close();
  }
});

test('Stopping while Redis is unreachable: the job queues drop their connections, no stage waits out its deadline', async (t) => {
  const redisHost = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy(`${redisHost.hostname}:${redisHost.port || 6379}`);
  const logs = captureLogs('warn');
  // A deadline far longer than the test's patience: reaching it would show as a warning line.
  const node = await startTestNode({
    env: { REDIS_URL: via(proxy.port, TEST_REDIS_URL), SHUTDOWN_TIMEOUT: '60s' },
    logger: logs.logger,
  });
  let stopped = false;
  try {
    await proxy.cut();
    await until('readiness to notice Redis is gone', async () =>
      (await readiness(node.server.httpUrl)).body.status === 'degraded' ? true : undefined,
    );
    await node.server.stop();
    stopped = true;
    const timedOut = logs.lines().filter((line) => line.msg === 'shutdown stage timed out; moving on');
    t.deepEqual(timedOut, [], 'every shutdown stage finished by itself');
  } finally {
    if (!stopped) await node.server.stop();
    await node.db.destroy();
    await proxy.close();
  }
});

test('Redis emptied (restarted without persistence): schedules come back by themselves, then readiness is ok', async (t) => {
  const node = await startTestNode({ env: { JOB_SCHEDULE_CHECK_INTERVAL: '1s' } });
  const queue = new Queue('export-worker', { connection: { url: TEST_REDIS_URL }, prefix: node.config.REDIS_PREFIX });
  try {
    const schedules = async () => (await queue.getJobSchedulers()).map((s) => s.id ?? s.key);
    t.deepEqual(await schedules(), ['export-worker']);

    // The keeper checks every second, so on a slow machine it may put the schedule back before the next line
    // looks: a marker key shows that Redis really was emptied, and the schedule must then be there again.
    const marker = `${node.config.REDIS_PREFIX}:test-marker`;
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.set(marker, '1');
      await deleteRedisPrefix(TEST_REDIS_URL, node.config.REDIS_PREFIX);
      t.is(await redis.exists(marker), 0, 'Redis lost every key of this server');
    } finally {
      redis.disconnect();
    }
    const restored = await until('the schedules to be registered again', async () =>
      (await schedules()).length === 1 ? await schedules() : undefined,
    );
    t.deepEqual(restored, ['export-worker']);
    await until('readiness ok with every schedule back', async () => {
      const r = await readiness(node.server.httpUrl);
      return r.body.status === 'ok' && (r.body.checks as Record<string, string>).schedules === 'ok' ? true : undefined;
    });
  } finally {
    await queue.close();
    await node.destroy();
  }
});

test('Redis emptied under a hub: its pull schedules come back and keys published afterwards still arrive', async (t) => {
  const certs = await generateTestCerts(['node-a']);
  const node = await startTestNode({ env: certs.serverEnv('node-a') });
  const hub = await startTestHub({
    env: { ...certs.serverEnv('hub'), JOB_SCHEDULE_CHECK_INTERVAL: '1s', FEDERATION_SYNC_INTERVAL: '1s' },
  });
  const queue = new Queue(PULL_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: hub.config.REDIS_PREFIX });
  try {
    const queryId = await connectHubToNode(hub, node, certs, { name: 'a', regions: ['CA'], intervalSeconds: 1 });
    await until('the first pull', async () => ((await runCount(hub, queryId)) > 0 ? true : undefined));
    await deleteRedisPrefix(TEST_REDIS_URL, hub.config.REDIS_PREFIX);
    const old = new Date(Date.now() - 3 * 3600_000);
    await insertKeys(node.db.pool, [makeKey({ regions: ['CA'], createdAt: old })]);
    await until('the key published after Redis was emptied to reach the hub', async () => {
      const n = (await hub.db.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
      return n === 1 ? true : undefined;
    });
    // A pull already running when Redis was emptied may have brought the key; the schedule must come back too.
    await until('the pull schedule to be registered again', async () =>
      (await queue.getJobSchedulers()).some((s) => (s.id ?? s.key) === pullSchedulerId('a')) ? true : undefined,
    );
    t.pass();
  } finally {
    await queue.close();
    await Promise.allSettled([hub.destroy(), node.destroy()]);
    await certs.destroy();
  }
});

async function runCount(hub: { db: { pool: import('pg').Pool } }, queryId: number): Promise<number> {
  const { rows } = await hub.db.pool.query('select count(*)::int as n from federation_in_runs where query_id = $1', [
    queryId,
  ]);
  return rows[0].n as number;
}
