import test from 'ava';
import { startTcpProxy } from '../../helpers/tcp-proxy';
import { KeyPool } from '../../../hub/pool/key-pool';
import { loadUpstreamStatus } from '../../../hub/status/hub-status';
import { StatusRepository } from '../../../hub/status/status.repository';
import pg from 'pg';
import { truncate } from '../../../core/keys/intervals';
import { pullUpstream, type PullDeps } from '../../../hub/sources/federation/pull-upstream';
import { authorizePartner, generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestHub, startTestNode } from '../../helpers/test-servers';
import { addUpstream, keysAt, pullDeps, TestClock } from '../../helpers/federation-harness';

const clock = new TestClock();
let certs: TestCerts;
let nodeA: Awaited<ReturnType<typeof startTestNode>>;
let nodeB: Awaited<ReturnType<typeof startTestNode>>;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let deps: PullDeps;

test.before(async () => {
  certs = await generateTestCerts(['node-a', 'node-b']);
  [nodeA, nodeB, hub] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a'), now: clock.now }),
    startTestNode({ env: certs.serverEnv('node-b'), now: clock.now }),
    // Only federation-out: these tests drive pulls themselves, the scheduler is tested in its own file.
    startTestHub({ env: { ...certs.serverEnv('hub'), ENFED_COMPONENTS: 'federation-out' }, now: clock.now }),
  ]);
  for (const node of [nodeA, nodeB]) {
    await authorizePartner(node.db.pool, {
      name: 'hub',
      fingerprint: certs.fingerprint('hub'),
      include: ['CA', 'NY', 'TX'],
    });
  }
  deps = pullDeps(hub.db.pool, clock);
});

test.after.always(async () => {
  deps?.clients.close();
  await Promise.allSettled([nodeA?.destroy(), nodeB?.destroy(), hub?.destroy()]);
  await certs?.destroy();
});

const old = () => new Date(truncate(clock.now(), 3600).getTime() - 3 * 3600_000);

test.serial(
  'dedupe by key bytes: regions merge, allowed revisions apply, invalid keys are counted and dropped',
  async (t) => {
    const shared = makeKey({ regions: ['CA'], reportType: 'likely', createdAt: old() });
    const onlyA = makeKey({ regions: ['CA'], createdAt: old() });
    const invalidA = [
      makeKey({ regions: ['CA'], transmissionRisk: 9, createdAt: old() }),
      makeKey({ regions: ['CA'], reportType: '', createdAt: old() }),
      makeKey({ regions: ['CA'], intervalNumber: 1000, createdAt: old() }),
    ];
    await insertKeys(nodeA.db.pool, [shared, onlyA, ...invalidA]);
    const sharedAtB = { ...shared, regions: ['NY'], reportType: 'confirmed', transmissionRisk: 3 };
    const forbiddenAtB = makeKey({ regions: ['NY'], createdAt: old() });
    await insertKeys(nodeB.db.pool, [sharedAtB, forbiddenAtB]);

    const a = await addUpstream(hub.db.pool, certs, {
      name: 'a',
      address: nodeA.server.addresses.grpc!,
      certName: 'hub',
      include: ['CA', 'NY'],
    });
    const b = await addUpstream(hub.db.pool, certs, {
      name: 'b',
      address: nodeB.server.addresses.grpc!,
      certName: 'hub',
      include: ['CA', 'NY'],
    });

    const first = await pullUpstream(deps, a);
    t.like(first, {
      status: 'done',
      counts: { pages: 1, received: 5, inserted: 2, invalid: 3, duplicates: 0, revised: 0 },
    });
    const second = await pullUpstream(deps, b);
    t.like(second, { status: 'done', counts: { received: 2, inserted: 1, revised: 1, duplicates: 0 } });

    const pooled = await keysAt(hub.db.pool);
    t.is(pooled.size, 3);
    const merged = pooled.get(shared.key.toString('hex'));
    t.deepEqual(merged?.regions, ['CA', 'NY']);
    t.is(merged?.reportType, 'likely');
    t.is(merged?.revisedReportType, 'confirmed');
    t.is(merged?.originQueryId, a);
    t.true(merged?.localProvenance);
    t.deepEqual(merged?.createdAt, truncate(clock.now(), 3600));
    t.is(pooled.get(forbiddenAtB.key.toString('hex'))?.originQueryId, b);

    // Pulling again: the cursor is past everything, nothing is received.
    const again = await pullUpstream(deps, a);
    t.like(again, { status: 'done', counts: { received: 0, pages: 1 } });

    // A later arrival that is not an allowed transition (confirmed → likely) is only a duplicate.
    clock.advanceHours(1);
    const downgrade = makeKey({ ...forbiddenAtB, regions: ['NY'], reportType: 'likely', createdAt: old() });
    await insertKeys(nodeA.db.pool, [downgrade]);
    const third = await pullUpstream(deps, a);
    t.like(third, { status: 'done', counts: { received: 1, inserted: 0, revised: 0, duplicates: 1 } });
    t.is((await keysAt(hub.db.pool)).get(forbiddenAtB.key.toString('hex'))?.revisedReportType, null);

    const runs = await hub.db.pool.query(
      'select query_id, pages, received, inserted, duplicates, invalid, revised, error, finished_at from federation_in_runs order by id',
    );
    t.is(runs.rowCount, 4);
    t.true(runs.rows.every((r) => r.finished_at !== null && r.error === null));
    t.like(runs.rows[0], { query_id: a, received: 5, inserted: 2, invalid: 3 });
  },
);

test.serial(
  'crash safety: a pull stopped after k pages loses and duplicates nothing and resumes at the last committed page',
  async (t) => {
    const keys = Array.from({ length: 23 }, (_, i) =>
      makeKey({ regions: ['TX'], createdAt: new Date(old().getTime() - (i % 3) * 3600_000) }),
    );
    await insertKeys(nodeB.db.pool, keys);
    const c = await addUpstream(hub.db.pool, certs, {
      name: 'b-tx',
      address: nodeB.server.addresses.grpc!,
      certName: 'hub',
      include: ['TX'],
    });
    const small = { ...deps, pageSize: 5 };
    const stop = new AbortController();
    const aborted = await pullUpstream(small, c, {
      signal: stop.signal,
      onPage: (counts) => {
        if (counts.pages === 2) stop.abort();
      },
    });
    t.like(aborted, { status: 'failed', error: 'pull_aborted', counts: { pages: 2, inserted: 10 } });

    const ordered = [...keys].sort(
      (x, y) => x.createdAt.getTime() - y.createdAt.getTime() || Buffer.compare(x.key, y.key),
    );
    const tx = async () =>
      (await hub.db.pool.query(`select count(*)::int as n from exposure_keys where 'TX' = any(regions)`)).rows[0].n;
    t.is(await tx(), 10);
    const cursor = await hub.db.pool.query('select key_cursor_token from federation_in_queries where id = $1', [c]);
    const token = Buffer.from(cursor.rows[0].key_cursor_token, 'base64url').toString('utf8');
    t.true(token.includes(ordered[9]!.key.toString('hex')), 'cursor sits on the 10th key');

    const resumed = await pullUpstream(small, c, { ignoreBackoff: true });
    t.like(resumed, { status: 'done', counts: { inserted: 13, duplicates: 0, received: 13 } });
    t.is(await tx(), 23);
  },
);

test.serial('two pulls of one upstream never run at once', async (t) => {
  const d = await addUpstream(hub.db.pool, certs, {
    name: 'a-again',
    address: nodeA.server.addresses.grpc!,
    certName: 'hub',
    include: ['CA'],
  });
  const outcomes = await Promise.all([pullUpstream(deps, d), pullUpstream(deps, d)]);
  t.deepEqual(outcomes.map((o) => o.status).sort(), ['busy', 'done']);
});

test.serial(
  'crash safety: the connection cut mid-pull; the next pull resumes at the last committed page',
  async (t) => {
    const keys = Array.from({ length: 27 }, (_, i) =>
      makeKey({ regions: ['WA'], createdAt: new Date(old().getTime() - (i % 4) * 3600_000) }),
    );
    await insertKeys(nodeA.db.pool, keys);
    await nodeA.db.pool.query(
      `update partner_authorizations set include_regions = include_regions || '{WA}' where name = 'hub'`,
    );
    // A TCP proxy in front of the node that we can cut.
    const proxy = await startTcpProxy(nodeA.server.addresses.grpc!);
    const proxyPort = proxy.port;
    const viaProxy = await addUpstream(hub.db.pool, certs, {
      name: 'a-wa',
      address: `127.0.0.1:${proxyPort}`,
      certName: 'hub',
      include: ['WA'],
    });
    const small = { ...deps, pageSize: 5 };
    const cut = await pullUpstream(small, viaProxy, {
      onPage: (counts) => {
        if (counts.pages === 2) void proxy.cut();
      },
    });
    t.is(cut.status, 'failed');
    const committed = cut.status === 'failed' ? cut.counts.inserted : -1;
    t.true(committed >= 10 && committed < 27 && committed % 5 === 0, `committed ${committed}`);
    const wa = async () =>
      (await hub.db.pool.query(`select count(*)::int as n from exposure_keys where 'WA' = any(regions)`)).rows[0].n;
    t.is(await wa(), committed);
    const ordered = [...keys].sort(
      (x, y) => x.createdAt.getTime() - y.createdAt.getTime() || Buffer.compare(x.key, y.key),
    );
    const cursor = await hub.db.pool.query('select key_cursor_token from federation_in_queries where id = $1', [
      viaProxy,
    ]);
    t.true(
      Buffer.from(cursor.rows[0].key_cursor_token, 'base64url')
        .toString('utf8')
        .includes(ordered[committed - 1]!.key.toString('hex')),
    );

    // The node is reachable again (directly): the pull resumes and completes.
    await hub.db.pool.query('update federation_in_queries set address = $2 where id = $1', [
      viaProxy,
      nodeA.server.addresses.grpc,
    ]);
    const resumed = await pullUpstream(small, viaProxy, { ignoreBackoff: true });
    t.like(resumed, { status: 'done', counts: { inserted: 27 - committed, duplicates: 0 } });
    t.is(await wa(), 27);
  },
);

test.serial(
  'an upstream whose TLS files cannot be read fails like any other: run closed with an error, backoff recorded',
  async (t) => {
    const q = await addUpstream(hub.db.pool, certs, {
      name: 'bad-tls',
      address: nodeA.server.addresses.grpc!,
      certName: 'hub',
      include: ['CA'],
    });
    await hub.db.pool.query(
      `update federation_in_queries set client_cert_path = '/nonexistent/hub.crt' where id = $1`,
      [q],
    );
    const outcome = await pullUpstream(deps, q);
    t.is(outcome.status, 'failed');
    const run = await hub.db.pool.query('select finished_at, error from federation_in_runs where query_id = $1', [q]);
    t.is(run.rowCount, 1);
    t.not(run.rows[0].finished_at, null);
    t.is(
      run.rows[0].error,
      'upstream_tls_files_unreadable: cert: /nonexistent/hub.crt: no such file',
      'names the file',
    );
    const state = await hub.db.pool.query(
      'select consecutive_failures, next_attempt_at from federation_in_queries where id = $1',
      [q],
    );
    t.is(state.rows[0].consecutive_failures, 1);
    t.not(state.rows[0].next_attempt_at, null);
  },
);

test.serial('a pooled key is revised at most once, whichever upstreams send revisions', async (t) => {
  const selfReport = { ...deps, keyPool: new KeyPool({ acceptSelfReport: true }) };
  const key = makeKey({
    regions: ['NY'],
    reportType: 'user-report',
    revisedReportType: 'likely',
    revisedAt: old(),
    createdAt: old(),
  });
  await insertKeys(nodeA.db.pool, [key]);
  await insertKeys(nodeB.db.pool, [{ ...key, reportType: 'confirmed', revisedReportType: null, revisedAt: null }]);
  const a = await addUpstream(hub.db.pool, certs, {
    name: 'a-once',
    address: nodeA.server.addresses.grpc!,
    certName: 'hub',
    include: ['NY'],
  });
  const b = await addUpstream(hub.db.pool, certs, {
    name: 'b-once',
    address: nodeB.server.addresses.grpc!,
    certName: 'hub',
    include: ['NY'],
  });
  t.like(await pullUpstream(selfReport, a), { status: 'done' });
  const hex = key.key.toString('hex');
  t.like((await keysAt(hub.db.pool)).get(hex), { reportType: 'user-report', revisedReportType: 'likely' });
  const revisedAt = async () =>
    (await hub.db.pool.query('select revised_at from exposure_keys where key = $1', [key.key])).rows[0].revised_at;
  const firstRevision = await revisedAt();

  clock.advanceHours(1);
  // likely → confirmed would be allowed for a key never revised; this one already was (docs/publish-api.md).
  const second = await pullUpstream(selfReport, b);
  t.is(second.status, 'done');
  t.like((await keysAt(hub.db.pool)).get(hex), { revisedReportType: 'likely' });
  t.deepEqual(await revisedAt(), firstRevision, 'a partner past this revision never sees the key revised again');
  const run = await hub.db.pool.query('select revised from federation_in_runs where id = $1', [
    second.status === 'done' ? second.runId : -1,
  ]);
  t.is(run.rows[0].revised, 0);
});

test.serial(
  'as many pulls at once as the pool has connections: each pull needs one connection, none deadlocks',
  async (t) => {
    // FEDERATION_PULL_CONCURRENCY may reach the pool size. A pull that held its lock on one connection and then
    // waited for a second one would wait forever once every connection held a lock.
    const small = new pg.Pool({ connectionString: hub.db.url, max: 2 });
    try {
      const ids = [
        await addUpstream(hub.db.pool, certs, {
          name: 'pool-1',
          address: nodeA.server.addresses.grpc!,
          certName: 'hub',
          include: ['CA'],
        }),
        await addUpstream(hub.db.pool, certs, {
          name: 'pool-2',
          address: nodeB.server.addresses.grpc!,
          certName: 'hub',
          include: ['CA'],
        }),
      ];
      const narrow = { ...deps, pool: small };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 10_000);
      });
      const outcome = await Promise.race([Promise.all(ids.map((id) => pullUpstream(narrow, id))), timeout]);
      clearTimeout(timer);
      t.not(outcome, 'timeout');
      if (outcome !== 'timeout')
        t.deepEqual(
          outcome.map((o) => o.status),
          ['done', 'done'],
        );
    } finally {
      // A deadlocked pool never drains; do not wait for it.
      void small.end().catch(() => undefined);
    }
  },
);

test.serial('a traveler key from another region arrives without regions and is pooled as a traveler', async (t) => {
  // Node B's NY traveler reaches a hub that pulls B for TX only: the key comes with its regions trimmed away.
  const traveler = makeKey({ regions: ['NY'], traveler: true, createdAt: old() });
  const homebody = makeKey({ regions: ['NY'], createdAt: old() });
  await insertKeys(nodeB.db.pool, [traveler, homebody]);
  const q = await addUpstream(hub.db.pool, certs, {
    name: 'travelers-tx',
    address: nodeB.server.addresses.grpc!,
    certName: 'hub',
    include: ['TX'],
  });
  const outcome = await pullUpstream(deps, q);
  t.like(outcome, { status: 'done', counts: { invalid: 0 } });
  const stored = await hub.db.pool.query('select regions, traveler from exposure_keys where key = $1', [traveler.key]);
  t.deepEqual(stored.rows, [{ regions: [], traveler: true }]);
  const left = await hub.db.pool.query('select count(*)::int as n from exposure_keys where key = $1', [homebody.key]);
  t.is(left.rows[0].n, 0, 'a non-traveler key outside the include set does not come');
});

test.serial(
  'a run left open by a killed process is closed as abandoned by the next pull, and the status shows it',
  async (t) => {
    const q = await addUpstream(hub.db.pool, certs, {
      name: 'killed',
      address: nodeA.server.addresses.grpc!,
      certName: 'hub',
      include: ['CA'],
    });
    // What kill -9 mid-pull leaves behind: a run that was started and never finished.
    await hub.db.pool.query('insert into federation_in_runs (query_id, started_at) values ($1, $2)', [
      q,
      new Date(clock.ms - 60_000),
    ]);
    const repository = new StatusRepository(hub.db.pool);
    const before = (await loadUpstreamStatus({ repository, now: clock.now() })).find((u) => u.name === 'killed');
    t.truthy(before?.runningSince, 'before: the dead run looks like a pull in progress');

    t.like(await pullUpstream(deps, q), { status: 'done' });
    const runs = await hub.db.pool.query(
      'select finished_at, error from federation_in_runs where query_id = $1 order by id',
      [q],
    );
    t.is(runs.rowCount, 2);
    t.not(runs.rows[0].finished_at, null);
    t.regex(runs.rows[0].error, /^abandoned: /);
    t.is(runs.rows[1].error, null);
    const after = (await loadUpstreamStatus({ repository, now: clock.now() })).find((u) => u.name === 'killed');
    t.like(after, { runningSince: null, abandonedRuns: 1, state: 'ok' });
  },
);
