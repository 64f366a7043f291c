import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../../core/logging/logger';
import { generateTestCerts } from '../../helpers/federation-certs';
import { connectHubToNode } from '../../helpers/federation-harness';
import { freePort } from '../../helpers/ports';
import { createTestDatabase, TEST_REDIS_URL, uniqueName } from '../../helpers/test-database';
import { startTestNode } from '../../helpers/test-servers';
import { deleteRedisPrefix } from '../../../core/jobs/redis';

const ENFED = new URL('../../../bin/enfed', import.meta.url).pathname;

function collect(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

test('log lines carry role and instance; LOG_FORMAT=pretty gives readable lines', (t) => {
  const json = collect();
  createLogger({ level: 'info', name: 'node', instance: 'node-wa', format: 'json', destination: json.stream }).info(
    { keys: 3 },
    'stored',
  );
  t.like(JSON.parse(json.text()), { role: 'node', instance: 'node-wa', msg: 'stored' });
  const pretty = collect();
  createLogger({ level: 'info', name: 'node', instance: 'node-wa', format: 'pretty', destination: pretty.stream }).info(
    'stored',
  );
  t.regex(pretty.text(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*node-wa › stored/);
  t.false(pretty.text().trimStart().startsWith('{'));
});

test('the real hub pulling an IP address logs one JSON line per event with its instance, and no deprecation noise', async (t) => {
  const certs = await generateTestCerts(['node-a']);
  const node = await startTestNode({ env: certs.serverEnv('node-a') });
  const hubDb = await createTestDatabase();
  const prefix = uniqueName('enfed_test');
  try {
    const queryId = await connectHubToNode({ db: hubDb }, node, certs, {
      name: 'a',
      regions: ['CA'],
      intervalSeconds: 1,
    });
    const hub = spawn(ENFED, ['hub'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: hubDb.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        HTTP_PORT: String(await freePort()),
        ENFED_COMPONENTS: 'federation-in',
        ENFED_INSTANCE: 'hub-logs',
        LOG_FORMAT: 'json',
        FEDERATION_SYNC_INTERVAL: '1s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    hub.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    hub.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => hub.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const runs = await hubDb.pool.query(
        'select count(*)::int as n from federation_in_runs where query_id = $1 and finished_at is not null',
        [queryId],
      );
      if (runs.rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error(`no pull in time:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    hub.kill('SIGTERM');
    t.is(await exited, 0);
    t.notRegex(stderr, /DEP0123|DeprecationWarning/);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    t.true(lines.length > 0);
    for (const line of lines) t.like(JSON.parse(line), { role: 'hub', instance: 'hub-logs' });
  } finally {
    await node.destroy();
    await hubDb.destroy();
    await certs.destroy();
    await deleteRedisPrefix(TEST_REDIS_URL, prefix);
  }
});
