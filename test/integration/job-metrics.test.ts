import test from 'ava';
import { createRedis, deleteRedisPrefix } from '../../core/jobs/redis';
import { startScheduledJob } from '../../core/jobs/scheduled-worker';
import { Metrics } from '../../core/metrics/metrics';
import { pullMetrics } from '../../hub/sources/federation/pull.metrics';
import { TEST_REDIS_URL, testLogger, uniqueName } from '../helpers/test-database';

test('scheduled job runs and failures are counted per job', async (t) => {
  const metrics = new Metrics();
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueName('enfed_test');
  let calls = 0;
  const job = await startScheduledJob({
    name: 'flaky',
    prefix,
    connection: redis,
    everySeconds: 1,
    logger: testLogger(),
    metrics,
    handler: async () => {
      calls += 1;
      if (calls === 1) throw new Error('first run fails');
    },
  });
  try {
    const deadline = Date.now() + 10_000;
    while (calls < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await job.close();
    const text = await metrics.render();
    t.regex(text, /enfed_job_runs_total\{job="flaky",outcome="failed"\} 1\n/);
    t.regex(text, /enfed_job_runs_total\{job="flaky",outcome="ok"\} [1-9]/);
    t.regex(text, /enfed_job_duration_seconds_count\{job="flaky"\} [2-9]/);
  } finally {
    await job.close();
    await redis.quit();
    await deleteRedisPrefix(TEST_REDIS_URL, prefix);
  }
});

test('pull outcomes are counted per upstream; pulls that did not run are not', async (t) => {
  const metrics = new Metrics();
  const record = pullMetrics(metrics).record;
  const counts = { pages: 2, received: 10, inserted: 6, duplicates: 3, invalid: 1, revised: 0 };
  record({ status: 'done', upstream: 'node-wa', runId: 1, counts });
  record({
    status: 'failed',
    upstream: 'node-wa',
    runId: 2,
    counts: { ...counts, inserted: 1, duplicates: 0, invalid: 0 },
    error: 'unavailable',
    retryAt: new Date(),
  });
  record({ status: 'busy' });
  const text = await metrics.render();
  t.regex(text, /enfed_federation_pulls_total\{upstream="node-wa",outcome="done"\} 1\n/);
  t.regex(text, /enfed_federation_pulls_total\{upstream="node-wa",outcome="failed"\} 1\n/);
  t.regex(text, /enfed_federation_pulled_keys_total\{upstream="node-wa",outcome="inserted"\} 7\n/);
  t.regex(text, /enfed_federation_pulled_keys_total\{upstream="node-wa",outcome="duplicate"\} 3\n/);
  t.regex(text, /enfed_federation_pulled_keys_total\{upstream="node-wa",outcome="invalid"\} 1\n/);
});
