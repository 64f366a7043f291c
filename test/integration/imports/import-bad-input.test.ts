import test from 'ava';
import { runImport } from '../../../hub/sources/imports/run-import';
import { ImportPublicKeyRepository } from '../../../hub/sources/imports/import-public-keys.repository';
import { ExportFileServer } from '../../helpers/export-file-server';
import { exportZip, makeExportSigner, zipEntries } from '../../helpers/export-files';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';
import { addImport, importDeps, ledger, pooledCount, records } from './import-harness';

let db: TestDatabase;
let server: ExportFileServer;
const signer = makeExportSigner('310', 'v1');
const stranger = makeExportSigner('310', 'v1');

test.before(async () => {
  [db, server] = await Promise.all([createTestDatabase(), ExportFileServer.start()]);
});

test.after.always(async () => {
  await Promise.allSettled([db?.destroy(), server?.close()]);
});

/**
 * Serves `bad` next to a good file in one index, runs the import, and checks: the good file is imported, the bad
 * one is recorded failed with `code` and a retry time, and nothing of it reached the pool.
 */
async function badFile(base: string, bad: Parameters<ExportFileServer['files']['set']>[1], code: string) {
  const good = records(10);
  server.files.set(`${base}/good.zip`, { body: await exportZip({ keys: good, signers: [signer] }) });
  server.files.set(`${base}/bad.zip`, bad);
  server.files.set(`${base}/index.txt`, { body: 'bad.zip\ngood.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  const outcome = await runImport(importDeps(db.pool, { downloadTimeoutSeconds: 1 }), importId);
  const files = await ledger(db.pool, importId);
  return { importId, outcome, files, bad: files.get('bad.zip'), pooled: await pooledCount(db.pool, importId), code };
}

test('a truncated zip is recorded failed, retried later; the other file of the index is imported', async (t) => {
  const whole = await exportZip({ keys: records(50), signers: [signer] });
  const r = await badFile('/truncated', { body: whole.subarray(0, Math.floor(whole.length / 2)) }, 'zip_invalid');
  t.like(r.outcome, { status: 'failed', counts: { files: 1, failedFiles: 1, inserted: 10 } });
  t.like(r.bad, { state: 'failed', attempts: 1 });
  t.regex(r.bad?.error ?? '', /^zip_invalid: bad\.zip: not a readable zip/);
  t.true((r.bad?.next_attempt_at?.getTime() ?? 0) > Date.now(), 'retried with backoff');
  t.is(r.pooled, 10, 'only the good file');
  t.like(r.files.get('good.zip'), { state: 'done' });
});

test('a zip bomb (tiny zip inflating past the cap) is refused while inflating', async (t) => {
  // 4 MiB of zeros deflate to a few KiB: under the 256 KiB download cap, over the 1 MiB inflate cap.
  const bomb = await zipEntries([
    ['export.bin', Buffer.alloc(4 * 1024 * 1024)],
    ['export.sig', Buffer.alloc(10)],
  ]);
  t.true(bomb.length < 64 * 1024);
  const r = await badFile('/bomb', { body: bomb }, 'zip_too_large_inflated');
  t.regex(r.bad?.error ?? '', /^zip_too_large_inflated: bad\.zip: inflates past the 1048576 bytes allowed/);
  t.is(r.pooled, 10);
});

test('a file signed with a wrong signature, or by a key nobody configured, is never imported', async (t) => {
  const keys = records(20);
  const forged = await exportZip({ keys, signers: [signer], signOver: Buffer.from('something else') });
  const r1 = await badFile('/forged', { body: forged }, 'signature_unverified');
  t.regex(
    r1.bad?.error ?? '',
    /^signature_unverified: bad\.zip: signed by no valid configured key \(signatures: 310\/v1\)/,
  );
  t.is(r1.pooled, 10);
  // Same key id and version, another key pair: the id alone proves nothing.
  const impostor = await exportZip({ keys, signers: [stranger] });
  const r2 = await badFile('/impostor', { body: impostor }, 'signature_unverified');
  t.regex(r2.bad?.error ?? '', /^signature_unverified/);
  t.is(r2.pooled, 10);
  const n = await db.pool.query('select count(*)::int as n from exposure_keys where key = any($1::bytea[])', [
    keys.map((k) => k.keyData),
  ]);
  t.is(n.rows[0].n, 0);
});

test('a file signed by a revoked key is refused', async (t) => {
  const base = '/revoked';
  server.files.set(`${base}/f.zip`, { body: await exportZip({ keys: records(5), signers: [signer] }) });
  server.files.set(`${base}/index.txt`, { body: 'f.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  await new ImportPublicKeyRepository(db.pool).revoke(importId, '310', 'v1', new Date(Date.now() - 1000));
  await runImport(importDeps(db.pool), importId);
  t.regex((await ledger(db.pool, importId)).get('f.zip')?.error ?? '', /^signature_unverified/);
  t.is(await pooledCount(db.pool, importId), 0);
});

test('a file whose header names no valid batch position is refused', async (t) => {
  const keys = records(5);
  // The header says batch 2 of 1 and so does the signature: no batch position, refused before any key is read.
  const mismatched = await exportZip({ keys, signers: [signer], batchNum: 2, batchSize: 1 });
  const r = await badFile('/batch', { body: mismatched }, 'export_invalid');
  t.regex(r.bad?.error ?? '', /^export_invalid: bad\.zip: batch 2 of 1/);
});

test('a file over the download cap is stopped at the cap', async (t) => {
  const big = await zipEntries([['export.bin', (await import('node:crypto')).randomBytes(300 * 1024)]]);
  const r = await badFile('/big', { body: big }, 'download_too_large');
  t.regex(r.bad?.error ?? '', /^download_too_large: bad\.zip/);
});

test('a stalled server fails the file within the download deadline', async (t) => {
  const r = await badFile('/stall-file', { stall: true, partial: Buffer.from('PK') }, 'download_timeout');
  t.regex(r.bad?.error ?? '', /^download_timeout: bad\.zip: no complete answer within 1000 ms/);
  t.is(r.pooled, 10);
});

async function badIndex(base: string, index: Parameters<ExportFileServer['files']['set']>[1]) {
  server.files.set(`${base}/f.zip`, { body: await exportZip({ keys: records(5), signers: [signer] }) });
  server.files.set(`${base}/index.txt`, index);
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  const outcome = await runImport(importDeps(db.pool, { downloadTimeoutSeconds: 1 }), importId);
  const state = await db.pool.query('select consecutive_failures, next_attempt_at from imports where id = $1', [
    importId,
  ]);
  return {
    outcome,
    files: await ledger(db.pool, importId),
    pooled: await pooledCount(db.pool, importId),
    backoff: state.rows[0],
    downloads: server.requests.get(`${base}/f.zip`) ?? 0,
  };
}

for (const [title, line] of [
  ['../ in the index', '../secret/f.zip'],
  ['an absolute path in the index', '/etc/f.zip'],
  ['a URL in the index', 'http://elsewhere.example/f.zip'],
  ['a name that is no zip', 'f.exe'],
] as const) {
  test(`${title}: the whole index is refused, nothing is downloaded, the import backs off`, async (t) => {
    const r = await badIndex(`/index-${title.length}-${line.length}`, { body: `f.zip\n${line}\n` });
    t.like(r.outcome, { status: 'failed' });
    if (r.outcome.status === 'failed') t.regex(r.outcome.error ?? '', /^index_invalid_name: line 2 of the index/);
    t.is(r.files.size, 0);
    t.is(r.downloads, 0);
    t.is(r.pooled, 0);
    t.is(r.backoff.consecutive_failures, 1);
    t.true(r.backoff.next_attempt_at > new Date());
  });
}

test('an HTML page instead of the index is refused', async (t) => {
  const r = await badIndex('/html', { body: '<!DOCTYPE html><html><body>Service unavailable</body></html>' });
  if (r.outcome.status === 'failed') t.regex(r.outcome.error ?? '', /^index_is_html/);
  else t.fail();
  const r2 = await badIndex('/html-typed', { body: 'f.zip\n', contentType: 'text/html; charset=utf-8' });
  if (r2.outcome.status === 'failed') t.regex(r2.outcome.error ?? '', /^index_is_html/);
  else t.fail();
  t.is(r.pooled + r2.pooled, 0);
});

test('an index that stalls fails within the deadline and is recorded on the run', async (t) => {
  const r = await badIndex('/stall-index', { stall: true });
  if (r.outcome.status !== 'failed') return t.fail();
  t.regex(r.outcome.error ?? '', /^download_timeout: index\.txt/);
  const run = await db.pool.query('select error, finished_at from import_runs where id = $1', [r.outcome.runId]);
  t.regex(run.rows[0].error, /^download_timeout/);
  t.truthy(run.rows[0].finished_at);
});

test('a failed file is retried after its backoff, and failed for good once it leaves the index', async (t) => {
  const base = '/retry';
  const whole = await exportZip({ keys: records(8), signers: [signer] });
  server.files.set(`${base}/f.zip`, { body: whole.subarray(0, 40) });
  server.files.set(`${base}/g.zip`, { body: whole.subarray(0, 40) });
  server.files.set(`${base}/index.txt`, { body: 'f.zip\ng.zip\n' });
  const importId = await addImport(db.pool, `${server.url}${base}`, signer);
  let now = new Date();
  const deps = importDeps(db.pool, { now: () => now });
  await runImport(deps, importId);
  await runImport(deps, importId);
  t.is(server.requests.get(`${base}/f.zip`), 1, 'not retried before its backoff');
  now = new Date(now.getTime() + 61_000);
  server.files.set(`${base}/f.zip`, { body: whole });
  server.files.set(`${base}/index.txt`, { body: 'f.zip\n' });
  const outcome = await runImport(deps, importId);
  t.like(outcome, { status: 'done', counts: { files: 1, inserted: 8 } });
  const files = await ledger(db.pool, importId);
  t.like(files.get('f.zip'), { state: 'done', attempts: 2 });
  t.like(files.get('g.zip'), { state: 'failed', next_attempt_at: null });
  t.regex(files.get('g.zip')?.error ?? '', /gone: no longer in the remote index/);
});
