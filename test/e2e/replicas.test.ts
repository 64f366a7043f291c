import test from 'ava';
import { truncate } from '../../core/keys/intervals';
import { deleteRedisPrefix } from '../../core/jobs/redis';
import { UNSEALED } from '../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { createSigningKey } from '../../core/signing/signing-keys';
import { spawnEnfed, waitFor, type EnfedProcess } from '../helpers/demo';
import { authorizePartner, generateTestCerts, type TestCerts } from '../helpers/federation-certs';
import { addUpstream } from '../helpers/federation-harness';
import { insertKeys, makeKey } from '../helpers/key-factory';
import { freePort } from '../helpers/ports';
import { dailyKeys, postPublish, publishBody, registerAuthorityAndApp } from '../helpers/publish-fixtures';
import { createTestDatabase, TEST_REDIS_URL, uniqueName, type TestDatabase } from '../helpers/test-database';

/**
 * The multi-replica claim on one machine: two processes of a node (publish, export, federation-out) and two of a
 * hub (federation-in) against one PostgreSQL and one Redis, as the Kubernetes Deployments run them.
 */

interface Replica {
  run: EnfedProcess;
  http: string;
  grpc?: string;
}

async function startReplica(
  role: 'node' | 'hub',
  db: TestDatabase,
  prefix: string,
  env: Record<string, string>,
): Promise<Replica> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const run = spawnEnfed([role], {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    MIGRATE_ON_START: 'false',
    SHUTDOWN_TIMEOUT: '3s',
    ...env,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
  });
  const http = `http://127.0.0.1:${httpPort}`;
  await waitFor(`${role} replica on ${httpPort}`, 45_000, async () => {
    const exited = run.child.exitCode !== null;
    if (exited) throw new Error(`${role} replica exited: ${run.output().slice(-2000)}`);
    const ready = await fetch(`${http}/readyz`).catch(() => undefined);
    return ready?.ok ? true : undefined;
  });
  return { run, http, grpc: `127.0.0.1:${grpcPort}` };
}

/** Log lines (JSON) of a replica with `msg`. */
function logLines(replica: Replica, msg: string): Record<string, unknown>[] {
  return replica.run
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

let certs: TestCerts;
const cleanups: (() => Promise<unknown>)[] = [];
test.before(async () => {
  certs = await generateTestCerts(['node-a']);
});
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await certs?.destroy();
});

test('replicas share the work: every publish stored, each export batch built once, each upstream pulled by one replica at a time, a SIGKILL loses nothing', async (t) => {
  const now = new Date();
  const [nodeDb, hubDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  const [nodePrefix, hubPrefix] = [uniqueName('enfed_rep_node'), uniqueName('enfed_rep_hub')];
  cleanups.push(
    () => nodeDb.destroy(),
    () => hubDb.destroy(),
    () => deleteRedisPrefix(TEST_REDIS_URL, nodePrefix),
    () => deleteRedisPrefix(TEST_REDIS_URL, hubPrefix),
  );

  // The node's trust and export configuration, as the admin commands would write it.
  const authority = await registerAuthorityAndApp(nodeDb.orm, { now });
  await createSigningKey(new SigningKeyRepository(nodeDb.pool, UNSEALED), {
    keyId: '310',
    now: new Date(now.getTime() - 3600_000),
  });
  const from = new Date(truncate(now, 3600).getTime() - 4 * 3600_000);
  await nodeDb.pool.query(
    `insert into export_configs (root, output_region, input_regions, period_seconds, max_records_per_file, from_timestamp)
     values ('us', 'US', '{US}', 3600, 750000, $1)`,
    [from],
  );
  // Keys that arrived in the three closed hours since `from`: the export has windows to build.
  await insertKeys(
    nodeDb.pool,
    [0, 1, 2].map((h) => makeKey({ regions: ['US'], createdAt: new Date(from.getTime() + h * 3600_000) }, now)),
  );
  await authorizePartner(nodeDb.pool, { name: 'hub', fingerprint: certs.fingerprint('hub'), include: ['US'] });

  const nodeEnv = {
    ...certs.serverEnv('node-a'),
    ENFED_COMPONENTS: 'publish,export,federation-out',
    BLOB_DIR: `${certs.dir}/blobs`,
    EXPORT_MIN_WINDOW_AGE: '1s',
    EXPORT_SCHEDULE_INTERVAL: '2s',
    EXPORT_WORKER_INTERVAL: '1s',
    EXPORT_FILE_MIN_RECORDS: '10',
  };
  const nodes = await Promise.all([0, 1].map(() => startReplica('node', nodeDb, nodePrefix, nodeEnv)));
  cleanups.push(...nodes.map((r) => async () => r.run.child.kill('SIGKILL')));

  // Publishes alternate between the replicas; replica 1 is killed (SIGKILL) half way. Every 200 must be stored.
  const accepted: string[] = [];
  for (let i = 0; i < 20; i++) {
    if (i === 10) {
      nodes[1]?.run.child.kill('SIGKILL');
      await nodes[1]?.run.exited;
    }
    const target = i >= 10 ? nodes[0] : nodes[i % 2];
    const keys = dailyKeys(now, 2);
    const response = await postPublish(target?.http as string, publishBody(authority, keys, now));
    t.is(response.status, 200, `publish ${i}`);
    accepted.push(...keys.map((k) => Buffer.from(k.key, 'base64').toString('hex')));
  }
  const stored = await nodeDb.pool.query<{ key: Buffer }>('select key from exposure_keys');
  const storedHex = new Set(stored.rows.map((r) => r.key.toString('hex')));
  t.deepEqual(
    accepted.filter((k) => !storedHex.has(k)),
    [],
    'every acknowledged key is stored',
  );

  // The three closed windows since `from` (the current hour is open, the last one not past EXPORT_MIN_WINDOW_AGE
  // of the truncate window) are exported, each batch by exactly one replica.
  const batches = await waitFor('three completed export batches', 30_000, async () => {
    const r = await nodeDb.pool.query<{ id: number }>("select id from export_batches where status = 'complete'");
    return r.rows.length >= 3 ? r.rows.map((row) => row.id) : undefined;
  });
  const built = nodes.flatMap((r) => logLines(r, 'export batch complete').map((l) => l.batchId as number));
  for (const id of batches) t.is(built.filter((b) => b === id).length, 1, `batch ${id} built once`);
  const files = await nodeDb.pool.query<{ n: string }>(
    'select count(*) as n from export_files f join export_batches b on b.id = f.batch_id',
  );
  t.true(Number(files.rows[0]?.n) >= 3);

  // Two hub processes pull the node every second; the upstream's lock lets one at a time run.
  await addUpstream(hubDb.pool, certs, {
    name: 'node-a',
    address: nodes[0]?.grpc as string,
    certName: 'hub',
    include: ['US'],
    intervalSeconds: 1,
  });
  const hubEnv = { ENFED_COMPONENTS: 'federation-in', FEDERATION_SYNC_INTERVAL: '1s', TRUNCATE_WINDOW: '1h' };
  const hubs = await Promise.all([0, 1].map(() => startReplica('hub', hubDb, hubPrefix, hubEnv)));
  cleanups.push(...hubs.map((r) => async () => r.run.child.kill('SIGKILL')));
  const runs = await waitFor('six finished pulls', 40_000, async () => {
    const r = await hubDb.pool.query<{ started_at: Date; finished_at: Date; error: string | null }>(
      'select started_at, finished_at, error from federation_in_runs where finished_at is not null order by started_at',
    );
    return r.rows.length >= 6 ? r.rows : undefined;
  });
  t.deepEqual(
    runs.filter((r) => r.error !== null).map((r) => r.error),
    [],
  );
  for (let i = 1; i < runs.length; i++) {
    t.true(runs[i]!.started_at >= runs[i - 1]!.finished_at, 'pulls of one upstream never overlap');
  }
  t.pass();
});
