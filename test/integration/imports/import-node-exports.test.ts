import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import { truncate } from '../../../core/keys/intervals';
import { ALL_REGIONS } from '../../../core/keys/storage/region-predicate';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { SIGNATURE_ALGORITHM } from '../../../core/signing/signature';
import { runImport } from '../../../hub/sources/imports/run-import';
import { runExportJobs } from '../../helpers/hub-jobs';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';
import { startTestHub } from '../../helpers/test-servers';
import { addImport, importDeps, ledger } from './import-harness';

let exporter: Awaited<ReturnType<typeof startTestHub>>;
let importer: TestDatabase;
let blobDir: string;

test.before(async () => {
  blobDir = await mkdtemp(path.join(tmpdir(), 'enfed-import-exports-'));
  [exporter, importer] = await Promise.all([
    startTestHub({
      env: {
        ENFED_COMPONENTS: 'export',
        BLOB_DIR: blobDir,
        EXPORT_MIN_WINDOW_AGE: '0',
        EXPORT_FILE_MIN_RECORDS: '0',
        EXPORT_FILE_PADDING_RANGE: '0',
        EXPORT_SCHEDULE_INTERVAL: '1h',
        EXPORT_WORKER_INTERVAL: '1h',
      },
    }),
    createTestDatabase(),
  ]);
});

test.after.always(async () => {
  await Promise.allSettled([exporter?.destroy(), importer?.destroy()]);
  await rm(blobDir, { recursive: true, force: true });
});

test('files written by the export builder and served by enfed import exactly once, signatures checked', async (t) => {
  const hour = truncate(new Date(), 3600).getTime();
  const keys = [
    ...Array.from({ length: 12 }, () => makeKey({ regions: ['US-WA'], createdAt: new Date(hour - 2 * 3600_000) })),
    ...Array.from({ length: 9 }, () => makeKey({ regions: ['US-WA'], createdAt: new Date(hour - 3600_000) })),
  ];
  await insertKeys(exporter.db.pool, keys);
  const signing = await createSigningKey(new SigningKeyRepository(exporter.db.pool, UNSEALED), {
    keyId: '310',
    now: new Date(hour - 5 * 3600_000),
  });
  await new ExportConfigRepository(exporter.db.pool).insert({
    root: 'all',
    outputRegion: 'US',
    inputRegions: [ALL_REGIONS],
    excludeRegions: [],
    includeTravelers: true,
    onlyTravelers: false,
    periodSeconds: 3600,
    maxRecordsPerFile: 500_000,
    fromTimestamp: new Date(hour - 4 * 3600_000),
    thruTimestamp: null,
  });
  t.like(await runExportJobs(exporter, () => new Date()), { failed: 0 });
  const index = await (await fetch(`${exporter.server.httpUrl}/exports/all/index.txt`)).text();
  t.true(index.split('\n').filter(Boolean).length >= 2, index);

  const importId = await addImport(
    importer.pool,
    `${exporter.server.httpUrl}/exports/all`,
    {
      info: {
        verificationKeyId: signing.keyId,
        verificationKeyVersion: signing.version,
        signatureAlgorithm: SIGNATURE_ALGORITHM,
      },
      publicKeyPem: signing.publicKeyPem,
    },
    { exportRootUrl: `${exporter.server.httpUrl}/exports/`, region: 'US-WA' },
  );
  const outcome = await runImport(importDeps(importer.pool), importId);
  t.like(outcome, { status: 'done', counts: { inserted: keys.length, duplicates: 0, invalid: 0 } });
  const pooled = await importer.pool.query<{ key: Buffer; report_type: string; days_since_onset: number }>(
    'select key, report_type, days_since_onset from exposure_keys where origin_import_id = $1',
    [importId],
  );
  t.deepEqual(pooled.rows.map((r) => r.key.toString('hex')).sort(), keys.map((k) => k.key.toString('hex')).sort());
  t.true(pooled.rows.every((r) => r.report_type === 'confirmed' && r.days_since_onset === 1));
  t.true([...(await ledger(importer.pool, importId)).values()].every((f) => f.state === 'done'));
  t.like(await runImport(importDeps(importer.pool), importId), { status: 'done', counts: { files: 0 } });
});
