import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { runImport } from '../../../hub/sources/imports/run-import';
import { enfedInProcess } from '../../helpers/cli';
import { ExportFileServer } from '../../helpers/export-file-server';
import { exportZip, makeExportSigner } from '../../helpers/export-files';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';
import { importDeps, pooledCount, records } from './import-harness';

let db: TestDatabase;
let server: ExportFileServer;
let dir: string;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  [db, server, dir] = await Promise.all([
    createTestDatabase(),
    ExportFileServer.start(),
    mkdtemp(path.join(tmpdir(), 'enfed-import-')),
  ]);
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
});

test.after.always(async () => {
  await Promise.allSettled([db?.destroy(), server?.close(), rm(dir, { recursive: true, force: true })]);
});

const enfed = (...args: string[]) => enfedInProcess(['admin', 'import', ...args], env);

test.serial('import add/list/remove and key add/list/revoke, then a run imports what the CLI set up', async (t) => {
  const signer = makeExportSigner('310', 'v1');
  const pem = path.join(dir, 'state.pub.pem');
  await writeFile(pem, signer.publicKeyPem);
  server.files.set('/exports/wa/f.zip', { body: await exportZip({ keys: records(12), signers: [signer] }) });
  server.files.set('/exports/wa/index.txt', { body: 'wa/f.zip\n' });

  const added = await enfed(
    'add',
    '--name',
    'wa',
    '--index-url',
    `${server.url}/exports/wa/index.txt`,
    '--export-root',
    `${server.url}/exports/`,
    '--region',
    'us-wa',
    '--interval',
    '10m',
  );
  t.is(added.code, 0, added.stderr);
  t.is((await enfed('add', '--name', 'wa', '--index-url', `${server.url}/x`, '--region', 'US')).code, 1, 'exists');
  t.is((await enfed('add', '--name', 'x', '--index-url', 'ftp://h/i.txt', '--region', 'US')).code, 2);
  t.is(
    (
      await enfed(
        'add',
        '--name',
        'y',
        '--index-url',
        `${server.url}/i`,
        '--region',
        'US',
        '--backfill-days-since-onset',
        '99',
      )
    ).code,
    2,
  );
  const row = (await db.pool.query('select * from imports where name = $1', ['wa'])).rows[0];
  t.like(row, {
    region: 'US-WA',
    export_root_url: `${server.url}/exports/`,
    backfill_report_type: 'confirmed',
    backfill_days_since_onset: 10,
    interval_seconds: 600,
    enabled: true,
  });

  const key = ['--import', 'wa', '--key-id', '310', '--key-version', 'v1'];
  t.is((await enfed('key', 'add', ...key, '--public-key', pem, '--valid-from', '2020-01-01T00:00:00Z')).code, 0);
  t.is((await enfed('key', 'add', ...key, '--public-key', pem)).code, 1, 'the same id and version twice');
  const notPem = path.join(dir, 'bad.pem');
  await writeFile(notPem, 'hello');
  t.is(
    (await enfed('key', 'add', '--import', 'wa', '--key-id', '1', '--key-version', 'v', '--public-key', notPem)).code,
    2,
  );
  t.is(
    (await enfed('key', 'add', '--import', 'nope', '--key-id', '1', '--key-version', 'v', '--public-key', pem)).code,
    1,
  );

  const ran = await enfed('run', '--name', 'wa');
  t.is(ran.code, 0, ran.stderr);
  t.regex(ran.stdout, /import wa: 1 files imported, 0 failed; keys received 12, inserted 12/);
  t.is(await pooledCount(db.pool, row.id), 12);
  t.like(await runImport(importDeps(db.pool), row.id), { status: 'done', counts: { files: 0 } }, 'nothing twice');
  server.files.set('/exports/wa/index.txt', { body: '<html></html>' });
  const failed = await enfed('run', '--name', 'wa');
  t.is(failed.code, 1);
  t.regex(failed.stderr, /index_is_html/);
  server.files.set('/exports/wa/index.txt', { body: 'wa/f.zip\n' });

  const list = await enfed('list');
  t.is(list.code, 0);
  t.regex(list.stdout, /wa .*US-WA .*confirmed\/10 .*600s .*yes .*1 .*0 .*0/);
  const keys = await enfed('key', 'list', '--import', 'wa');
  t.regex(keys.stdout, /310 .*v1 .*2020-01-01T00:00:00.000Z .*- .*- .*yes/);
  t.is((await enfed('key', 'revoke', ...key)).code, 0);
  t.regex((await enfed('key', 'list', '--import', 'wa')).stdout, /310 .*v1 .* no\s*$/m);
  t.is((await enfed('key', 'revoke', '--import', 'wa', '--key-id', '9', '--key-version', 'v1')).code, 1);

  t.is((await enfed('remove', '--name', 'wa')).code, 0);
  t.is((await enfed('remove', '--name', 'wa')).code, 1);
  t.is(await pooledCount(db.pool, row.id), 12, 'removing an import leaves its keys pooled');
});
