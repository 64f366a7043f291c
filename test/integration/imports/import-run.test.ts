import test from 'ava';
import { KeyPool } from '../../../hub/pool/key-pool';
import { runImport } from '../../../hub/sources/imports/run-import';
import { ExportFileServer } from '../../helpers/export-file-server';
import { exportZip, makeExportSigner } from '../../helpers/export-files';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';
import { addImport, importDeps, ledger, pooledCount, records } from './import-harness';

let db: TestDatabase;
let server: ExportFileServer;
const signer = makeExportSigner('310', 'v1');

test.before(async () => {
  [db, server] = await Promise.all([createTestDatabase(), ExportFileServer.start()]);
});

test.after.always(async () => {
  await Promise.allSettled([db?.destroy(), server?.close()]);
});

test.serial('happy path: every file of the index lands in the pool, with the import as origin', async (t) => {
  const base = '/happy';
  const first = records(250);
  const second = records(40, { reportType: undefined, daysSinceOnsetOfSymptoms: undefined });
  server.files.set(`${base}/a/1-2-00001.zip`, { body: await exportZip({ keys: first, signers: [signer] }) });
  server.files.set(`${base}/a/2-3-00001.zip`, { body: await exportZip({ keys: second, signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'a/1-2-00001.zip\na/2-3-00001.zip\n', contentType: 'text/plain' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer, { region: 'US-WA', traveler: true });

  const outcome = await runImport(importDeps(db.pool), importId);
  t.is(outcome.status, 'done');
  if (outcome.status !== 'done') return;
  t.is(outcome.counts.files, 2);
  t.is(outcome.counts.inserted, 290);
  t.is(await pooledCount(db.pool, importId), 290);

  const rows = await db.pool.query(
    `select regions, traveler, report_type, days_since_onset, local_provenance, origin_query_id,
       extract(epoch from created_at)::bigint % 3600 as off from exposure_keys where key = any($1::bytea[])`,
    [[first[0]!.keyData, second[0]!.keyData]],
  );
  for (const row of rows.rows) {
    t.deepEqual(row.regions, ['US-WA']);
    t.true(row.traveler);
    t.false(row.local_provenance, 'imported keys are not local provenance');
    t.is(row.origin_query_id, null);
    t.is(Number(row.off), 0, 'arrival is truncated to the window');
  }
  const backfilled = await db.pool.query('select report_type, days_since_onset from exposure_keys where key = $1', [
    second[0]!.keyData,
  ]);
  t.deepEqual(backfilled.rows[0], { report_type: 'confirmed', days_since_onset: 10 }, 'reference backfill');
  const files = await ledger(db.pool, importId);
  t.deepEqual(
    [...files.values()].map((f) => [f.file_name, f.state, f.attempts, f.keys_received]),
    [
      ['a/1-2-00001.zip', 'done', 1, 250],
      ['a/2-3-00001.zip', 'done', 1, 40],
    ],
  );
  const run = await db.pool.query('select files, inserted, error, finished_at from import_runs where id = $1', [
    outcome.runId,
  ]);
  t.like(run.rows[0], { files: 2, inserted: 290, error: null });
  t.truthy(run.rows[0].finished_at);
});

test.serial('exactly once: a second run downloads nothing; a new file in the index is all it imports', async (t) => {
  const base = '/twice';
  server.files.set(`${base}/f1.zip`, { body: await exportZip({ keys: records(30), signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'f1.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  t.is((await runImport(importDeps(db.pool), importId)).status, 'done');
  server.files.set(`${base}/f2.zip`, { body: await exportZip({ keys: records(20), signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'f1.zip\nf2.zip\n' });
  const second = await runImport(importDeps(db.pool), importId);
  t.like(second, { status: 'done', counts: { files: 1, inserted: 20 } });
  t.is(server.requests.get(`${base}/f1.zip`), 1, 'a done file is never downloaded again');
  t.is(await pooledCount(db.pool, importId), 50);
});

test.serial('a crash mid-file (session killed before commit) re-imports that file with no duplicate', async (t) => {
  const base = '/crash';
  const keys = records(120);
  server.files.set(`${base}/f.zip`, { body: await exportZip({ keys, signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'f.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  await t.throwsAsync(
    runImport(importDeps(db.pool), importId, {
      // The keys are written in the open transaction; the database session dies as with kill -9 of the hub.
      beforeCommit: async (tx) => {
        await tx.query('select pg_terminate_backend(pg_backend_pid())');
      },
    }),
  );
  t.is(await pooledCount(db.pool, importId), 0, 'nothing of the file was committed');
  t.is((await ledger(db.pool, importId)).get('f.zip')?.state, 'importing');

  const again = await runImport(importDeps(db.pool), importId);
  t.like(again, { status: 'done', counts: { files: 1, inserted: 120, duplicates: 0 } });
  t.is(await pooledCount(db.pool, importId), 120);
  t.like((await ledger(db.pool, importId)).get('f.zip'), { state: 'done', attempts: 2 });
  const abandoned = await db.pool.query(
    `select count(*)::int as n from import_runs where import_id = $1 and error like 'abandoned%'`,
    [importId],
  );
  t.is(abandoned.rows[0].n, 1, 'the killed run is closed as abandoned');
});

test.serial('a file already pooled through another import is deduplicated, not stored twice', async (t) => {
  const base = '/dedupe';
  const keys = records(25);
  server.files.set(`${base}/f.zip`, { body: await exportZip({ keys, signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'f.zip\n' });
  const one = await addImport(db.pool, `${server.url}${base}`, signer);
  const two = await addImport(db.pool, `${server.url}${base}`, signer);
  await runImport(importDeps(db.pool), one);
  const outcome = await runImport(importDeps(db.pool, { keyPool: new KeyPool({ acceptSelfReport: false }) }), two);
  t.like(outcome, { status: 'done', counts: { inserted: 0, duplicates: 25 } });
  const n = await db.pool.query('select count(*)::int as n from exposure_keys where key = any($1::bytea[])', [
    keys.map((k) => k.keyData),
  ]);
  t.is(n.rows[0].n, 25);
});

test.serial('a revision in a later file is applied once', async (t) => {
  const base = '/revise';
  const [key] = records(1, { reportType: 2 });
  server.files.set(`${base}/f1.zip`, { body: await exportZip({ keys: [key!], signers: [signer] }) });
  server.files.set(`${base}/f2.zip`, {
    body: await exportZip({ keys: [], revisedKeys: [{ ...key!, reportType: 1 }], signers: [signer] }),
  });
  server.files.set(`${base}/index.txt`, { body: 'f1.zip\nf2.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  const outcome = await runImport(importDeps(db.pool), importId);
  t.like(outcome, { status: 'done', counts: { inserted: 1, revised: 1 } });
  const row = await db.pool.query('select report_type, revised_report_type from exposure_keys where key = $1', [
    key!.keyData,
  ]);
  t.deepEqual(row.rows[0], { report_type: 'likely', revised_report_type: 'confirmed' });
});

test.serial('two runs of one import never overlap: the second finds it busy', async (t) => {
  const base = '/busy';
  server.files.set(`${base}/index.txt`, { stall: true });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  const deps = importDeps(db.pool, { downloadTimeoutSeconds: 2 });
  const first = runImport(deps, importId);
  // Wait until the first run holds the lock (it is then waiting on the stalled index).
  while ((server.requests.get(`${base}/index.txt`) ?? 0) === 0) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(await runImport(deps, importId), { status: 'busy' });
  t.like(await first, { status: 'failed' });
});
