import test from 'ava';
import type { ImportStatus } from '../../../hub/status/import-status';
import { runImport } from '../../../hub/sources/imports/run-import';
import { ExportFileServer } from '../../helpers/export-file-server';
import { exportZip, makeExportSigner } from '../../helpers/export-files';
import { startTestHub } from '../../helpers/test-servers';
import { addImport, importDeps, records } from './import-harness';

let server: ExportFileServer;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const signer = makeExportSigner('310', 'v1');

test.before(async () => {
  [server, hub] = await Promise.all([ExportFileServer.start(), startTestHub({ env: { ENFED_COMPONENTS: 'status' } })]);
});

test.after.always(async () => {
  await Promise.allSettled([hub?.destroy(), server?.close()]);
});

test('the status page and API show each import, its last run and every failed file with its error', async (t) => {
  const good = await exportZip({ keys: records(7), signers: [signer] });
  server.files.set('/ok/f.zip', { body: good });
  server.files.set('/ok/index.txt', { body: 'f.zip\n' });
  server.files.set('/bad/f.zip', { body: good.subarray(0, 100) });
  server.files.set('/bad/index.txt', { body: 'f.zip\n' });
  server.files.set('/html/index.txt', { body: '<html>oops</html>', contentType: 'text/html' });
  const ok = await addImport(hub.db.pool, `${server.url}/ok`, signer, { name: 'a-ok' });
  const bad = await addImport(hub.db.pool, `${server.url}/bad`, signer, { name: 'b-bad' });
  const html = await addImport(hub.db.pool, `${server.url}/html`, signer, { name: 'c-html' });
  for (const id of [ok, bad, html]) await runImport(importDeps(hub.db.pool), id);

  const body = (await (await fetch(`${hub.server.httpUrl}/status/api`)).json()) as { imports: ImportStatus[] };
  const byName = new Map(body.imports.map((i) => [i.name, i]));
  t.like(byName.get('a-ok'), { state: 'ok', files: { done: 1, failed: 0, pending: 0 }, lastRun: { inserted: 7 } });
  t.like(byName.get('b-bad'), { state: 'failing', files: { done: 0, failed: 1, pending: 0 } });
  t.regex(byName.get('b-bad')?.failedFiles[0]?.error ?? '', /^zip_invalid: f\.zip/);
  t.like(byName.get('c-html'), { state: 'failing', consecutiveFailures: 1 });
  t.regex(byName.get('c-html')?.lastRun?.error ?? '', /^index_is_html/);

  const page = await (await fetch(`${hub.server.httpUrl}/status`)).text();
  t.regex(page, /<section id="imports">/);
  t.regex(page, /data-import="b-bad"[\s\S]*zip_invalid: f\.zip: not a readable zip/);
  t.regex(page, /data-import="c-html"[\s\S]*index_is_html: the index is an HTML page/);
});
