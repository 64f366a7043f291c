import test from 'ava';
import { truncate } from '../../../core/keys/intervals';
import { pullUpstream } from '../../../hub/sources/federation/pull-upstream';
import { authorizePartner, generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestHub, startTestNode } from '../../helpers/test-servers';
import { addUpstream, keysAt, pullDeps, TestClock } from '../../helpers/federation-harness';

const clock = new TestClock();
let certs: TestCerts;
let node: Awaited<ReturnType<typeof startTestNode>>;
let h1: Awaited<ReturnType<typeof startTestHub>>;
let h2: Awaited<ReturnType<typeof startTestHub>>;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  const hubEnv = (name: string) => ({ ...certs.serverEnv(name), ENFED_COMPONENTS: 'federation-out' });
  [node, h1, h2] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a'), now: clock.now }),
    startTestHub({ env: hubEnv('hub'), now: clock.now }),
    startTestHub({ env: hubEnv('partner'), now: clock.now }),
  ]);
});

test.after.always(async () => {
  await Promise.allSettled([node?.destroy(), h1?.destroy(), h2?.destroy()]);
  await certs?.destroy();
});

test('two hubs pulling from each other never echo keys back; a partner never gets its own keys', async (t) => {
  const old = new Date(truncate(clock.now(), 3600).getTime() - 3 * 3600_000);
  const fromNode = Array.from({ length: 5 }, () => makeKey({ regions: ['CA'], createdAt: old }));
  await insertKeys(node.db.pool, fromNode);
  // Keys H2 got from its own nodes.
  const h2Own = Array.from({ length: 3 }, () => makeKey({ regions: ['CA'], createdAt: old }));
  await insertKeys(h2.db.pool, h2Own);

  await authorizePartner(node.db.pool, { name: 'h1', fingerprint: certs.fingerprint('hub'), include: ['CA'] });
  const h1FromNode = await addUpstream(h1.db.pool, certs, {
    name: 'node-a',
    address: node.server.addresses.grpc!,
    certName: 'hub',
    include: ['CA'],
  });
  // H1 asks H2 for everything it has, not only local provenance: origin tracking alone must stop the echo.
  const h1FromH2 = await addUpstream(h1.db.pool, certs, {
    name: 'h2',
    address: h2.server.addresses.grpc!,
    certName: 'hub',
    include: ['CA'],
    kind: 'partner',
    onlyLocalProvenance: false,
  });
  const h2FromH1 = await addUpstream(h2.db.pool, certs, {
    name: 'h1',
    address: h1.server.addresses.grpc!,
    certName: 'partner',
    include: ['CA'],
    kind: 'partner',
  });
  await authorizePartner(h1.db.pool, {
    name: 'h2',
    fingerprint: certs.fingerprint('partner'),
    include: ['CA'],
    originQueryId: h1FromH2,
  });
  await authorizePartner(h2.db.pool, {
    name: 'h1',
    fingerprint: certs.fingerprint('hub'),
    include: ['CA'],
    originQueryId: h2FromH1,
  });

  const d1 = pullDeps(h1.db.pool, clock);
  const d2 = pullDeps(h2.db.pool, clock);
  try {
    t.like(await pullUpstream(d1, h1FromNode), { status: 'done', counts: { inserted: 5 } });
    clock.advanceHours(1);
    // H2 takes H1's keys from H1's own nodes; they are not local provenance at H2.
    t.like(await pullUpstream(d2, h2FromH1), { status: 'done', counts: { received: 5, inserted: 5 } });
    const atH2 = await keysAt(h2.db.pool);
    t.false(atH2.get(fromNode[0]!.key.toString('hex'))?.localProvenance);
    clock.advanceHours(1);
    // H1 asks H2 for everything: only H2's own keys come, none of the keys that came from H1.
    t.like(await pullUpstream(d1, h1FromH2), { status: 'done', counts: { received: 3, inserted: 3, duplicates: 0 } });
    const atH1 = await keysAt(h1.db.pool);
    t.is(atH1.size, 8);
    t.false(atH1.get(h2Own[0]!.key.toString('hex'))?.localProvenance);
    clock.advanceHours(1);
    // H2 asks H1 again for local keys: H2's keys are not local at H1, so nothing goes round.
    t.like(await pullUpstream(d2, h2FromH1), { status: 'done', counts: { received: 0 } });
    t.is((await keysAt(h2.db.pool)).size, 8);
  } finally {
    d1.clients.close();
    d2.clients.close();
  }
});
