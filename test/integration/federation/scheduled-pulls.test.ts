import test from 'ava';
import { Queue } from 'bullmq';
import { PULL_QUEUE, pullSchedulerId } from '../../../hub/sources/federation/pull-schedules';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import { truncate } from '../../../core/keys/intervals';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestHub, startTestNode } from '../../helpers/test-servers';
import { addUpstream, connectHubToNode } from '../../helpers/federation-harness';
import { freePort } from '../../helpers/ports';

let certs: TestCerts;
let node: Awaited<ReturnType<typeof startTestNode>>;
let hub: Awaited<ReturnType<typeof startTestHub>>;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  [node, hub] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a') }),
    startTestHub({
      env: {
        ...certs.serverEnv('hub'),
        FEDERATION_SYNC_INTERVAL: '1',
        FEDERATION_BACKOFF_BASE: '60',
        FEDERATION_PULL_DEADLINE: '3',
      },
    }),
  ]);
});

test.after.always(async () => {
  await Promise.allSettled([node?.destroy(), hub?.destroy()]);
  await certs?.destroy();
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

test('scheduled pulls: a dead upstream backs off exponentially while a live one keeps being pulled', async (t) => {
  const old = new Date(truncate(new Date(), 3600).getTime() - 3 * 3600_000);
  const keys = Array.from({ length: 4 }, () => makeKey({ regions: ['CA'], createdAt: old }));
  await insertKeys(node.db.pool, keys);
  // Added while the hub runs: the reconciling job must pick both up without a restart.
  const live = await connectHubToNode(hub, node, certs, { name: 'live', regions: ['CA'], intervalSeconds: 1 });
  const dead = await addUpstream(hub.db.pool, certs, {
    name: 'dead',
    address: `127.0.0.1:${await freePort()}`,
    certName: 'hub',
    include: ['CA'],
    intervalSeconds: 1,
  });
  const runs = async (id: number) =>
    (await hub.db.pool.query('select count(*)::int as n from federation_in_runs where query_id = $1', [id])).rows[0]
      .n as number;
  const state = async (id: number) =>
    (
      await hub.db.pool.query('select consecutive_failures, next_attempt_at from federation_in_queries where id = $1', [
        id,
      ])
    ).rows[0];
  // The delay is measured from the failed run's end (both written with one clock reading), not from the test's
  // clock, so a slow machine cannot make it look shorter.
  const delayAfterLastRun = async (id: number) => {
    const { rows } = await hub.db.pool.query(
      `select extract(epoch from (q.next_attempt_at - r.finished_at)) * 1000 as ms
         from federation_in_queries q join federation_in_runs r on r.query_id = q.id
        where q.id = $1 order by r.id desc limit 1`,
      [id],
    );
    return Math.round(Number(rows[0].ms));
  };

  await until(async () => ((await runs(live)) >= 3 ? true : undefined));
  const pooled = await hub.db.pool.query('select count(*)::int as n from exposure_keys');
  t.is(pooled.rows[0].n, 4);
  t.is(await runs(dead), 1, 'the dead upstream was tried once and is now waiting');
  const first = await state(dead);
  t.is(first.consecutive_failures, 1);
  t.true(first.next_attempt_at.getTime() > Date.now());
  t.is(await delayAfterLastRun(dead), 60_000);
  const failed = await hub.db.pool.query('select error from federation_in_runs where query_id = $1', [dead]);
  t.regex(failed.rows[0].error, /^grpc_status_14/);

  // Its backoff elapses: it is tried again and the delay doubles.
  await hub.db.pool.query('update federation_in_queries set next_attempt_at = now() where id = $1', [dead]);
  await until(async () => ((await state(dead)).consecutive_failures === 2 ? true : undefined));
  t.is(await delayAfterLastRun(dead), 120_000);

  // Removing an upstream removes its schedule at the next reconciliation.
  const queue = new Queue(PULL_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: hub.config.REDIS_PREFIX });
  try {
    const schedulerIds = async () => (await queue.getJobSchedulers()).map((s) => s.id ?? s.key).sort();
    t.deepEqual(await schedulerIds(), [pullSchedulerId('dead'), pullSchedulerId('live')]);
    await hub.db.pool.query(`delete from federation_in_queries where name = 'dead'`);
    await until(async () => ((await schedulerIds()).length === 1 ? true : undefined));
    t.deepEqual(await schedulerIds(), [pullSchedulerId('live')]);
  } finally {
    await queue.close();
  }
});
