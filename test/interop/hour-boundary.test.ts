import test from 'ava';
import { truncate } from '../../core/keys/intervals';
import { pullUpstream } from '../../hub/sources/federation/pull-upstream';
import { generateTestCerts } from '../helpers/federation-certs';
import { connectHubToNode, keysAt, pullDeps, TestClock } from '../helpers/federation-harness';
import { insertKeys, makeKey } from '../helpers/key-factory';
import { startTestHub, startTestNode } from '../helpers/test-servers';

/*
 * A publish reads its clock in hour H (created_at = H) but commits just after H+1 began. Were hour H served at
 * once, a hub Fetch in between would move its cursor past (H, its last key) from a snapshot without the late
 * key, and a late key sorting before the cursor would never reach the hub. FEDERATION_CLOSE_GRACE keeps hour H
 * unserved until late commits have landed.
 */
test('a key whose publish commits just after its hour closed still reaches the hub', async (t) => {
  const clock = new TestClock();
  const certs = await generateTestCerts(['node-a']);
  const [node, hub] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a'), now: clock.now }),
    startTestHub({ env: { ...certs.serverEnv('hub'), ENFED_COMPONENTS: 'federation-out' }, now: clock.now }),
  ]);
  const deps = pullDeps(hub.db.pool, clock);
  const inflight = await node.db.pool.connect();
  try {
    const queryId = await connectHubToNode(hub, node, certs, { name: 'node-a', regions: ['CA'] });
    const hour = truncate(clock.now(), 3600);
    await insertKeys(node.db.pool, [makeKey({ key: Buffer.alloc(16, 0xff), createdAt: hour })]);
    // The same hour's publish, still in flight, of a key that sorts first.
    await inflight.query('begin');
    await insertKeys(inflight, [makeKey({ key: Buffer.alloc(16, 0x01), createdAt: hour })]);
    // Just after the hour ended, within the grace: hour H is not served yet.
    clock.ms = hour.getTime() + 3600_000 + 20_000;
    t.like(await pullUpstream(deps, queryId), { status: 'done', counts: { received: 0 } });
    await inflight.query('commit');
    clock.ms = hour.getTime() + 3600_000 + 90_000;
    t.like(await pullUpstream(deps, queryId), { status: 'done', counts: { received: 2 } });
    t.deepEqual([...(await keysAt(hub.db.pool)).keys()].sort(), ['01'.repeat(16), 'ff'.repeat(16)]);
  } finally {
    inflight.release();
    deps.clients.close();
    await Promise.allSettled([node.destroy(), hub.destroy()]);
    await certs.destroy();
  }
});
