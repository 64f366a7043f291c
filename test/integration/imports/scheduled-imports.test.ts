import test from 'ava';
import { Queue } from 'bullmq';
import { IMPORT_QUEUE, importSchedulerId } from '../../../hub/sources/imports/import-schedules';
import { ImportRepository } from '../../../hub/sources/imports/imports.repository';
import { ExportFileServer } from '../../helpers/export-file-server';
import { exportZip, makeExportSigner } from '../../helpers/export-files';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import { startTestHub } from '../../helpers/test-servers';
import { addImport, pooledCount, records } from './import-harness';

let server: ExportFileServer;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const signer = makeExportSigner('hub-test', 'v7');

test.before(async () => {
  [server, hub] = await Promise.all([
    ExportFileServer.start(),
    startTestHub({ env: { ENFED_COMPONENTS: 'import', IMPORT_SYNC_INTERVAL: '1' } }),
  ]);
});

test.after.always(async () => {
  await Promise.allSettled([hub?.destroy(), server?.close()]);
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

test('an import added while the hub runs is scheduled, runs on its own, and is unscheduled when removed', async (t) => {
  server.files.set('/s/f1.zip', { body: await exportZip({ keys: records(15), signers: [signer] }) });
  server.files.set('/s/index.txt', { body: 'f1.zip\n' });
  const importId = await addImport(hub.db.pool, `${server.url}/s`, signer, { name: 'state-x', intervalSeconds: 1 });
  await until(async () => ((await pooledCount(hub.db.pool, importId)) === 15 ? true : undefined));

  // A file published later is picked up by the next scheduled run; the first file is not fetched again.
  server.files.set('/s/f2.zip', { body: await exportZip({ keys: records(5), signers: [signer] }) });
  server.files.set('/s/index.txt', { body: 'f1.zip\nf2.zip\n' });
  await until(async () => ((await pooledCount(hub.db.pool, importId)) === 20 ? true : undefined));
  t.is(server.requests.get('/s/f1.zip'), 1);
  const runs = await hub.db.pool.query(
    'select count(*)::int as n, count(*) filter (where finished_at is null)::int as open from import_runs where import_id = $1',
    [importId],
  );
  t.true(runs.rows[0].n >= 2);

  const queue = new Queue(IMPORT_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: hub.config.REDIS_PREFIX });
  try {
    const ids = async () => (await queue.getJobSchedulers()).map((s) => s.id ?? s.key);
    t.true((await ids()).includes(importSchedulerId('state-x')));
    await new ImportRepository(hub.db.pool).remove('state-x');
    await until(async () => (!(await ids()).includes(importSchedulerId('state-x')) ? true : undefined));
    t.pass();
  } finally {
    await queue.close();
  }
});
