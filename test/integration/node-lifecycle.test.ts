import test from 'ava';
import { startTestHub, startTestNode } from '../helpers/test-servers';

test('a node starts, reports ready over HTTP and stops cleanly', async (t) => {
  const node = await startTestNode();
  try {
    const health = await fetch(`${node.server.httpUrl}/healthz`);
    t.is(health.status, 200);
    const ready = await fetch(`${node.server.httpUrl}/readyz`);
    t.is(ready.status, 200);
    t.deepEqual(await ready.json(), {
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', schedules: 'ok' },
      traffic: 'ok',
      jobs: 'ok',
    });
  } finally {
    await node.destroy();
  }
  await t.throwsAsync(fetch(`${node.server.httpUrl}/healthz`));
});

test('a hub whose pull concurrency would take every database connection refuses to start', async (t) => {
  const error = await t.throwsAsync(
    startTestHub({ env: { FEDERATION_PULL_CONCURRENCY: '9', DATABASE_POOL_SIZE: '10' } }),
  );
  t.regex(error?.message ?? '', /FEDERATION_PULL_CONCURRENCY: at most DATABASE_POOL_SIZE − 2 \(8\)/);
});
