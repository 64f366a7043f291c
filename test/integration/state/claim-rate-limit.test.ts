import test from 'ava';
import { Redis } from 'ioredis';
import { EnsApp } from '../../helpers/ens-app';
import { Phone, pbDecode } from '../../helpers/covid-alert-phone';
import { newKeyClaim, startStateNode } from '../../helpers/state-node';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import type { TestServer } from '../../helpers/test-servers';
import type { NodeConfig } from '../../../node/node.config';

const CLIENT = '198.51.100.21';
const OTHER = '198.51.100.22';
let node: TestServer<NodeConfig>;

test.before(async () => {
  node = await startStateNode({ env: { RATE_LIMIT_CLAIM: '3/1h' } });
});

test.after.always(async () => {
  await node?.destroy();
});

test.serial('the code endpoints share one budget per client; each answers 429 in its own protocol', async (t) => {
  const url = node.server.httpUrl;
  const app = new EnsApp(url, 'com.example.ens', CLIENT);
  const phone = new Phone(url, CLIENT);
  t.is((await app.verify('AAAAAAAAAA')).status, 400);
  t.is((await phone.claim('AAAAAAAAAA')).status, 401);
  t.is((await app.certificate('not-a-token', 'AAAA')).status, 400);

  const verify = await app.verify('AAAAAAAAAA');
  t.like(verify, { status: 429, json: { errorCode: 'rate_limited' } });
  t.true(Number(verify.headers.get('retry-after')) > 0);
  t.like(await phone.claim('AAAAAAAAAA'), { status: 429, error: 5 }, 'TEMPORARY_BAN on /claim-key');
  const upload = await phone.post('/upload', Buffer.alloc(0));
  t.is(upload.status, 429);
  t.deepEqual(pbDecode(upload.body).get(1), [5], 'SERVER_ERROR on /upload');

  t.is((await new EnsApp(url, 'com.example.ens', OTHER).verify('AAAAAAAAAA')).status, 400, 'another client');
  const issued = await newKeyClaim(url);
  t.is(issued.status, 200, 'the case system is a client of its own');

  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.regex(metrics, /enfed_rate_limited_requests_total\{group="claim"\} 3/);
});

test.serial('Redis holds the clients only as keyed hashes with a TTL', async (t) => {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${node.config.REDIS_PREFIX}:*`);
    const limiterKeys = keys.filter((k) => k.includes(':rate-limit:'));
    t.true(limiterKeys.length >= 3);
    for (const key of limiterKeys) {
      t.regex(key, /:rate-limit:claim:[0-9a-f]{32}$/);
      t.true((await redis.pttl(key)) > 0);
    }
    for (const address of [CLIENT, OTHER, '127.0.0.1'])
      t.false(
        keys.some((k) => k.includes(address)),
        address,
      );
  } finally {
    redis.disconnect();
  }
});
