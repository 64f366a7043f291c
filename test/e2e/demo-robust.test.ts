import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { DemoManifest } from '../../cli/demo/demo-manifest';
import { enfedInProcess } from '../helpers/cli';
import {
  demoDatabaseUrl,
  demoEnv,
  dropDemoInstance,
  freeBasePort,
  killDemoInstance,
  processesOf,
  runEnfed,
  spawnEnfed,
  waitFor,
  type EnfedProcess,
} from '../helpers/demo';
import { TEST_PG_URL, TEST_REDIS_URL, uniqueName } from '../helpers/test-database';

// One demo walks through issue 7's findings in order: a second start while it runs, its start-up order and
// empty index, a lost database connection, --clean while it runs, kill -9 of its supervisor, --clean after.
const instance = uniqueName('robust');
const otherInstance = uniqueName('robust_other');
let dir = '';
let basePort = 0;
let demo: EnfedProcess;
let manifest: DemoManifest;
const demoArgs = () => ['demo', '--dir', dir, '--instance', instance, '--base-port', String(basePort)];
const timings = ['--export-period', '10', '--truncate-window', '2', '--pull-interval', '2'];

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function inProcess(args: string[]): Promise<{ code: number; output: string }> {
  const run = await enfedInProcess(args, demoEnv());
  return { code: run.code, output: run.stdout + run.stderr };
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enfed-robust-'));
  basePort = await freeBasePort();
  demo = spawnEnfed([...demoArgs(), ...timings]);
  manifest = await waitFor('the manifest', 120_000, async () => {
    if (demo.child.exitCode !== null) throw new Error('exited');
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DemoManifest;
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${demo.output()}`);
  });
});

test.after.always(async () => {
  demo?.child.kill('SIGKILL');
  for (const name of [instance, otherInstance]) {
    await killDemoInstance(name);
    await dropDemoInstance(name);
  }
  await rm(dir, { recursive: true, force: true });
});

test.serial('a second demo is refused while one runs, and the running one is left alone', async (t) => {
  const ca = await readFile(join(dir, 'certs/ca.crt'), 'utf8');
  const [dirB, dirC] = [await mkdtemp(join(tmpdir(), 'enfed-b-')), await mkdtemp(join(tmpdir(), 'enfed-c-'))];
  try {
    // The user's case as a real process; the other two in-process (refused before anything starts, so fast).
    const [same, sameInstance, samePorts] = await Promise.all([
      runEnfed(demoArgs(), 60_000),
      inProcess(['demo', '--dir', dirB, '--instance', instance, '--base-port', String(await freeBasePort())]),
      inProcess(['demo', '--dir', dirC, '--instance', otherInstance, '--base-port', String(basePort)]),
    ]);
    t.is(same.code, 1, same.output);
    t.regex(same.output, /a demo is already running in .* \(pid \d+, instance robust_/);
    t.is(sameInstance.code, 1, sameInstance.output);
    t.regex(sameInstance.output, /databases of instance robust_\S+ are in use/);
    t.is(samePorts.code, 1, samePorts.output);
    t.regex(samePorts.output, new RegExp(`port ${basePort} \\(hub HTTP\\) is in use`));
  } finally {
    await rm(dirB, { recursive: true, force: true });
    await rm(dirC, { recursive: true, force: true });
  }
  t.is(await readFile(join(dir, 'certs/ca.crt'), 'utf8'), ca, 'certificates untouched');
  t.is(demo.child.exitCode, null, demo.output());
  t.is((await fetch(manifest.hub.statusUrl.replace('/status', '/readyz'))).status, 200);
  t.deepEqual(await processesOf(otherInstance), []);
});

test.serial('the hub pulls only once the nodes answer; its index answers 200 before the first file', async (t) => {
  const index = await fetch(manifest.hub.exportIndexUrl);
  t.is(index.status, 200);
  t.is(await index.text(), '');
  t.regex(demo.output(), /first export {2}.*by about \d\d:\d\d:\d\d/);
  await waitFor('every upstream pulled', 60_000, async () => {
    const status = (await (await fetch(`${manifest.hub.statusUrl}/api`)).json()) as { upstreams: { state: string }[] };
    return status.upstreams.length === 3 && status.upstreams.every((u) => u.state === 'ok') ? true : undefined;
  });
  const failed = await query(
    demoDatabaseUrl(instance, 'hub'),
    'select error from federation_in_runs where error is not null',
  );
  t.deepEqual(failed, [], 'no pull failed');
});

test.serial('the supervisor rides out lost database connections', async (t) => {
  // What a PostgreSQL restart does to this demo's sessions, without restarting the server other tests share.
  const killed = await query<{ pid: number }>(
    TEST_PG_URL,
    `select pid, pg_terminate_backend(pid) from pg_stat_activity where datname like $1`,
    [`enfed\\_${instance}\\_%`],
  );
  t.true(killed.length > 0);
  const published = await enfedInProcess(
    ['demo', 'publish', '--manifest', join(dir, 'manifest.json'), '--count', '1'],
    process.env,
  );
  t.is(published.code, 0, published.stderr);
  await waitFor('the progress line to count the new keys', 60_000, async () =>
    /keys {2}US-WA 14 /.test(demo.output()) ? true : undefined,
  ).catch((err: Error) => t.fail(`${err.message}\n${demo.output()}`));
  t.is(demo.child.exitCode, null, demo.output());
});

test.serial('enfed demo --clean refuses while the demo runs', async (t) => {
  const run = await enfedInProcess(['demo', '--clean', '--dir', dir, '--instance', instance], demoEnv());
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /a demo is already running in/);
  t.true(existsSync(join(dir, 'certs/ca.crt')));
});

test.serial('kill -9 of the supervisor stops every server, whose logs end cleanly', async (t) => {
  t.is((await processesOf(instance)).length, 4);
  demo.child.kill('SIGKILL');
  await demo.exited;
  await waitFor('the servers to stop', 60_000, async () =>
    (await processesOf(instance)).length === 0 ? true : undefined,
  );
  for (const server of ['hub', 'node-wa', 'node-or', 'node-ca']) {
    const log = await readFile(join(dir, 'logs', `${server}.log`), 'utf8');
    t.regex(log, /parent process \d+ is gone: stopping/, server);
    t.notRegex(log, /EPIPE/, server);
  }
});

test.serial("enfed demo --clean drops a stopped demo's databases, Redis keys and files", async (t) => {
  const run = await enfedInProcess(['demo', '--clean', '--dir', dir, '--instance', instance], demoEnv());
  t.is(run.code, 0, run.stderr);
  const left = await query(TEST_PG_URL, 'select datname from pg_database where datname like $1', [
    `enfed\\_${instance}\\_%`,
  ]);
  t.deepEqual(left, []);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    t.deepEqual(await redis.keys(`enfed-${instance}-*`), []);
  } finally {
    redis.disconnect();
  }
  t.false(existsSync(dir), 'the demo directory is gone');
});
