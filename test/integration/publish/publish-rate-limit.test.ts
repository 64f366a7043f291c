import test from 'ava';
import { Redis } from 'ioredis';
import { captureLogs } from '../../helpers/captured-logs';
import { dailyKeys, publishBody, registerAuthorityAndApp, type TestAuthority } from '../../helpers/publish-fixtures';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import { startTestNode, type TestServer } from '../../helpers/test-servers';
import type { NodeConfig } from '../../../node/node.config';

const NOW = new Date('2026-11-20T10:25:00Z');
const CLIENT_A = '198.51.100.7';
const CLIENT_B = '203.0.113.42';
const CLIENT_C = '192.0.2.99';
const logs = captureLogs('debug');
let node: TestServer<NodeConfig>;
let authority: TestAuthority;
let redisProxy: TcpProxy;
let redis: Redis;

test.before(async () => {
  // The limiter reaches Redis through a proxy the test can cut; the rest of the node too, which is fine here.
  redisProxy = await startTcpProxy(new URL(TEST_REDIS_URL).host);
  node = await startTestNode({
    now: () => NOW,
    logger: logs.logger,
    env: {
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      RATE_LIMIT_PUBLISH: '2/1h',
      CLIENT_IP_PROXIES: '1',
    },
  });
  authority = await registerAuthorityAndApp(node.db.orm, { now: NOW });
  redis = new Redis(TEST_REDIS_URL);
});

test.after.always(async () => {
  await redisProxy?.resume();
  await node?.destroy();
  redis?.disconnect();
  await redisProxy?.close();
});

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('condition not reached');
}

async function publishAs(client: string) {
  const res = await fetch(`${node.server.httpUrl}/v1/publish`, {
    method: 'POST',
    // A spoofed entry on the left must not make a new client: only the proxy's entry counts.
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': `10.${Math.floor(Math.random() * 250)}.0.1, ${client}`,
    },
    body: JSON.stringify(publishBody(authority, dailyKeys(NOW, 2), NOW)),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

test.serial(
  'the limit engages with 429, Retry-After and the publish error shape; other clients count separately',
  async (t) => {
    t.is((await publishAs(CLIENT_A)).status, 200);
    t.is((await publishAs(CLIENT_A)).status, 200);
    const refused = await publishAs(CLIENT_A);
    t.is(refused.status, 429);
    t.is(refused.json.code, 'rate_limited');
    t.deepEqual(refused.json.warnings, []);
    t.is(typeof refused.json.padding, 'string');
    t.is(refused.headers.get('x-api-version'), 'v1');
    const retryAfter = Number(refused.headers.get('retry-after'));
    t.true(retryAfter >= 1 && retryAfter <= 3600);

    t.is((await publishAs(CLIENT_B)).status, 200, 'another client behind the same proxy has its own budget');

    const metrics = await (await fetch(`${node.server.httpUrl}/metrics`)).text();
    t.regex(metrics, /enfed_rate_limited_requests_total\{group="publish"\} 1/);
  },
);

test.serial('no client address is kept in Redis keys or logs', async (t) => {
  const keys = await redis.keys(`${node.config.REDIS_PREFIX}:*`);
  const limiterKeys = keys.filter((k) => k.includes(':rate-limit:publish:'));
  t.is(limiterKeys.length, 2, 'one key per client');
  for (const key of limiterKeys) {
    t.regex(key, /:rate-limit:publish:[0-9a-f]{32}$/);
    t.true((await redis.pttl(key)) > 0, 'each key expires');
  }
  for (const address of [CLIENT_A, CLIENT_B, '127.0.0.1']) {
    t.false(
      keys.some((k) => k.includes(address)),
      `no key holds ${address}`,
    );
  }
  // 127.0.0.1 is the server's own listening address in its start-up line; a client's address is never logged.
  for (const address of [CLIENT_A, CLIENT_B]) t.false(logs.text().includes(address), `no log line holds ${address}`);
});

test.serial('Redis down: publish fails open, logged once, counted', async (t) => {
  await redisProxy.cut();
  try {
    const first = await publishAs(CLIENT_C);
    const second = await publishAs(CLIENT_C);
    const third = await publishAs(CLIENT_C);
    t.deepEqual([first.status, second.status, third.status], [200, 200, 200]);
    const warnings = logs.lines().filter((l) => l.msg === 'rate limiter: redis unavailable; requests pass unlimited');
    t.is(warnings.length, 1);
    const metrics = await (await fetch(`${node.server.httpUrl}/metrics`)).text();
    t.regex(metrics, /enfed_rate_limit_unavailable_total\{group="publish"\} 3/);
  } finally {
    await redisProxy.resume();
  }
  // Back: the node's Redis users reconnect (readiness ok), and the limiter counts again.
  await until(
    async () =>
      (await fetch(`${node.server.httpUrl}/readyz`)).status === 200 &&
      ((await (await fetch(`${node.server.httpUrl}/readyz`)).json()) as { status: string }).status === 'ok',
  );
  await until(async () => (await publishAs(CLIENT_C)).status === 429);
  t.true(logs.lines().some((l) => l.msg === 'rate limiter: redis is back; limits apply again'));
  t.false(logs.text().includes(CLIENT_C));
});
