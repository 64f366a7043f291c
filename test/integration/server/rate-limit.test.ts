import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import test from 'ava';
import Koa from 'koa';
import { Redis } from 'ioredis';
import { rateLimitMiddleware } from '../../../core/http/rate-limit/rate-limit.middleware';
import { connectFailFastRedis } from '../../../core/jobs/redis';
import { parseRateLimit } from '../../../core/http/rate-limit/rate-limit-setting';
import { Metrics } from '../../../core/metrics/metrics';
import { clientIdOf } from '../../../node/codes/client-rate-limit';
import { SecretMac } from '../../../node/codes/secret-mac';
import { captureLogs } from '../../helpers/captured-logs';
import { freePort } from '../../helpers/ports';
import { TEST_REDIS_URL, uniqueName } from '../../helpers/test-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LimitedApp {
  url: string;
  prefix: string;
  logs: ReturnType<typeof captureLogs>;
  close(): Promise<void>;
}

/** A bare koa app answering 200 behind the limiter, with the client seen through one proxy. */
async function limitedApp(setting: string, redisUrl = TEST_REDIS_URL): Promise<LimitedApp> {
  const prefix = uniqueName('enfed_test_rl');
  const logs = captureLogs('debug');
  const redis = connectFailFastRedis(redisUrl, () => undefined);
  await redis.connect().catch(() => undefined);
  const app = new Koa();
  app.use(
    rateLimitMiddleware(
      { redis, prefix, logger: logs.logger, metrics: new Metrics() },
      {
        name: 'claim',
        limit: parseRateLimit(setting) ?? null,
        clientId: clientIdOf(new SecretMac(randomBytes(32)), 1),
      },
    ),
  );
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    prefix,
    logs,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
      const cleanup = new Redis(TEST_REDIS_URL);
      const keys = await cleanup.keys(`${prefix}:*`);
      if (keys.length > 0) await cleanup.del(...keys);
      cleanup.disconnect();
    },
  };
}

const get = async (url: string, client: string) => {
  const res = await fetch(url, { headers: { 'x-forwarded-for': client } });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  };
};

test('settings: POINTS/WINDOW, 0 disables, malformed is refused', (t) => {
  t.deepEqual(parseRateLimit('60/1m'), { points: 60, durationSeconds: 60 });
  t.deepEqual(parseRateLimit('10/30s'), { points: 10, durationSeconds: 30 });
  t.deepEqual(parseRateLimit('1000/h'), { points: 1000, durationSeconds: 3600 });
  t.is(parseRateLimit('0'), null);
  for (const bad of ['60', '60/1d', '-1/1m', '0/1m', '60/0s', 'x/1m', '']) t.is(parseRateLimit(bad), undefined, bad);
});

test('the limit engages with 429 + Retry-After + rate_limited, and lifts after the window', async (t) => {
  const app = await limitedApp('2/1s');
  try {
    t.is((await get(app.url, '198.51.100.1')).status, 200);
    t.is((await get(app.url, '198.51.100.1')).status, 200);
    const refused = await get(app.url, '198.51.100.1');
    t.is(refused.status, 429);
    t.is(refused.retryAfter, '1');
    t.deepEqual(refused.body, { code: 'rate_limited', error: 'too many requests; retry later' });
    t.is((await get(app.url, '198.51.100.2')).status, 200, 'a second client counts separately');
    await sleep(Number(refused.retryAfter) * 1000 + 100);
    t.is((await get(app.url, '198.51.100.1')).status, 200, 'the window is over');
  } finally {
    await app.close();
  }
});

test('0 disables the limit', async (t) => {
  const app = await limitedApp('0');
  try {
    for (let i = 0; i < 5; i++) t.is((await get(app.url, '198.51.100.3')).status, 200);
  } finally {
    await app.close();
  }
});

test('Redis unreachable (a dead port): requests pass, one warning, no address in the logs', async (t) => {
  const app = await limitedApp('1/1m', `redis://127.0.0.1:${await freePort()}`);
  try {
    for (let i = 0; i < 3; i++) t.is((await get(app.url, '198.51.100.4')).status, 200);
    const warnings = app.logs.lines().filter((l) => l.level === 40 || l.level === 'warn');
    t.is(warnings.length, 1);
    t.false(app.logs.text().includes('198.51.100.4'));
  } finally {
    await app.close();
  }
});
