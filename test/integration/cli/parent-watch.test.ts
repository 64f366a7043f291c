import { spawn } from 'node:child_process';
import test from 'ava';
import { enfedInProcess } from '../../helpers/cli';
import { spawnEnfed, waitFor } from '../../helpers/demo';
import { freePort } from '../../helpers/ports';
import { createTestDatabase, TEST_REDIS_URL, uniqueName } from '../../helpers/test-database';

test('enfed node stops cleanly once the process in ENFED_PARENT_PID is gone', async (t) => {
  const db = await createTestDatabase();
  const parent = spawn('sleep', ['600'], { stdio: 'ignore' });
  const port = await freePort();
  const node = spawnEnfed(['node'], {
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniqueName('enfed_test'),
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
    ENFED_PARENT_PID: String(parent.pid),
  });
  try {
    await waitFor('the node to answer', 60_000, async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined,
    );
    parent.kill('SIGKILL');
    await waitFor('the node to exit', 30_000, async () => (node.child.exitCode !== null ? true : undefined));
    t.is(node.child.exitCode, 0, node.output());
    t.regex(node.output(), new RegExp(`parent process ${parent.pid} is gone: stopping`));
    t.regex(node.output(), /"reason":"parent process gone".*shutting down/);
  } finally {
    parent.kill('SIGKILL');
    node.child.kill('SIGKILL');
    await db.destroy();
  }
});

test('a malformed ENFED_PARENT_PID is a configuration mistake: exit 2, nothing started', async (t) => {
  const run = await enfedInProcess(['node'], { DATABASE_URL: 'postgres://127.0.0.1:1/none', ENFED_PARENT_PID: 'x1' });
  t.is(run.code, 2);
  t.regex(run.stderr, /ENFED_PARENT_PID: expected a process id/);
});
