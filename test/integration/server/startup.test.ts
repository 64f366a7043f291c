import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import pg from 'pg';
import { ConfigError } from '../../../core/config/env';
import { StartupError } from '../../../core/server/dependency-checks';
import { startNode } from '../../../node/main';
import { parseNodeConfig } from '../../../node/node.config';
import { freePort } from '../../helpers/ports';
import { databaseUrl, TEST_PG_URL, uniqueName } from '../../helpers/test-database';
import { startTestNode, testEnv } from '../../helpers/test-servers';

const ENFED = new URL('../../../bin/enfed', import.meta.url).pathname;

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

test('Redis unreachable: start-up gives up within STARTUP_DEPENDENCY_TIMEOUT, naming REDIS_URL', async (t) => {
  const error = await t.throwsAsync(
    startTestNode({
      env: { REDIS_URL: `redis://:s3cret@127.0.0.1:${await freePort()}`, STARTUP_DEPENDENCY_TIMEOUT: '2s' },
    }),
    { instanceOf: StartupError },
  );
  t.regex(error.message, /REDIS_URL: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
  t.notRegex(error.message, /s3cret/);
});

test('PostgreSQL unreachable, or a database that does not exist: named, never created, password masked', async (t) => {
  const closed = await freePort();
  const down = parseNodeConfig(
    testEnv(`postgres://postgres:hunter2@127.0.0.1:${closed}/enfed`, { STARTUP_DEPENDENCY_TIMEOUT: '2s' }),
  );
  const unreachable = await t.throwsAsync(startNode(down), { instanceOf: StartupError });
  t.regex(unreachable.message, /DATABASE_URL: PostgreSQL at 127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\)/);
  t.notRegex(unreachable.message, /hunter2/);

  const name = uniqueName('enfed_typo');
  const typo = parseNodeConfig(testEnv(databaseUrl(name), { STARTUP_DEPENDENCY_TIMEOUT: '2s' }));
  const missing = await t.throwsAsync(startNode(typo), { instanceOf: StartupError });
  t.regex(
    missing.message,
    new RegExp(`DATABASE_URL: database "${name}" does not exist .*enfed migrate --create-database`),
  );
  t.false(await databaseExists(name), 'the mistyped database was not created');
});

test('the real command exits 1 with one message naming both unreachable dependencies', async (t) => {
  const run = promisify(execFile)(ENFED, ['node'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/enfed`,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      STARTUP_DEPENDENCY_TIMEOUT: '1s',
      HTTP_PORT: '0',
    },
  });
  const failed = await t.throwsAsync(run);
  const { code, stderr } = failed as unknown as { code: number; stderr: string };
  t.is(code, 1);
  t.regex(stderr, /^enfed: cannot start:\n {2}- DATABASE_URL: .*\n {2}- REDIS_URL: /);
});

test('two servers on one REDIS_PREFIX: the second is refused naming both; a replica of the first may share it', async (t) => {
  const prefix = uniqueName('enfed_shared');
  const first = await startTestNode({ env: { REDIS_PREFIX: prefix, ENFED_INSTANCE: 'node-first' } });
  try {
    const error = await t.throwsAsync(startTestNode({ env: { REDIS_PREFIX: prefix, ENFED_INSTANCE: 'node-second' } }), {
      instanceOf: ConfigError,
    });
    t.regex(
      error.message,
      /REDIS_PREFIX: "enfed_shared_\w+" is in use by another server \(node node-first, database "enfed_test_\w+"\); this node \(node-second\) uses database "enfed_test_\w+"/,
    );
    const replica = await startNode({ ...first.config, ENFED_INSTANCE: 'node-first-replica' });
    await replica.stop();
    t.pass();
  } finally {
    await first.destroy();
  }
});
