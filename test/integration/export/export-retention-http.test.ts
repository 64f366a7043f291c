import { UNSEALED } from '../../../core/secrets/secret-sealer';
import test from 'ava';
import { RetentionRepository } from '../../../core/retention/retention.repository';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'node:http';
import { ConfigError } from '../../../core/config/env';
import { FileBlobStore } from '../../../core/blob-store/file-blob-store';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import { exportRepositories } from '../../../core/export/batches/export-repositories';
import { runExportWorker } from '../../../core/export/batches/run-export-worker';
import { scheduleBatches } from '../../../core/export/batches/schedule-batches';
import { enforceRetention } from '../../../core/retention/retention';
import { parseHubConfig } from '../../../hub/hub.config';
import { parseNodeConfig } from '../../../node/node.config';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { testLogger } from '../../helpers/test-database';
import { startTestNode } from '../../helpers/test-servers';
import { addConfig, createExportKit, exportAt, fileRows, hours, readZip } from './export-kit';

test('retention deletes old keys, old files and their index lines, and nothing else', async (t) => {
  const kit = await createExportKit();
  try {
    await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-1) });
    const config = await addConfig(kit);
    const old = makeKey({ createdAt: hours(0) });
    const kept = makeKey({ createdAt: hours(2) });
    await insertKeys(kit.db.pool, [old, kept]);
    await exportAt(kit, hours(5));
    const before = await fileRows(kit, config.id);
    t.is(before.length, 2);
    // Retention of 2 h at 03:30: the 00:00–01:00 window and the key created at 00:00 are past it.
    const result = await enforceRetention({
      repository: new RetentionRepository(kit.db.pool),
      pool: kit.db.pool,
      blobs: kit.blobs,
      logger: testLogger(),
      now: hours(3.5),
      retentionSeconds: 2 * 3600,
    });
    t.deepEqual(result, { keysDeleted: 1, filesDeleted: 1 });
    const keys = await kit.db.pool.query<{ key: Buffer }>('select key from exposure_keys');
    t.deepEqual(
      keys.rows.map((r) => r.key),
      [kept.key],
    );
    const after = await fileRows(kit, config.id);
    t.deepEqual(after, [before[1]]);
    await t.throwsAsync(access(path.join(kit.blobDir, before[0]!.filename)));
    await t.notThrowsAsync(access(path.join(kit.blobDir, before[1]!.filename)));
    t.is(await readFile(path.join(kit.blobDir, 'ca/index.txt'), 'utf8'), before[1]!.filename);
    // Batches, configs and signing keys are untouched.
    const counts = await kit.db.pool.query<{ b: number; c: number; s: number }>(
      'select (select count(*)::int from export_batches) as b, (select count(*)::int from export_configs) as c, (select count(*)::int from signing_keys) as s',
    );
    t.deepEqual(counts.rows[0], { b: 4, c: 1, s: 1 });
    // Running again changes nothing.
    t.deepEqual(
      await enforceRetention({
        repository: new RetentionRepository(kit.db.pool),
        pool: kit.db.pool,
        blobs: kit.blobs,
        logger: testLogger(),
        now: hours(3.5),
        retentionSeconds: 2 * 3600,
      }),
      { keysDeleted: 0, filesDeleted: 0 },
    );
  } finally {
    await kit.destroy();
  }
});

test('retention below 10 days is refused unless the test-only switch is set', (t) => {
  const error = t.throws(() => parseNodeConfig({ RETENTION: '9d' }), { instanceOf: ConfigError });
  t.regex(error.message, /RETENTION: must be at least 10d/);
  t.throws(() => parseHubConfig({ RETENTION: '9d' }), { instanceOf: ConfigError });
  t.notThrows(() => parseNodeConfig({ RETENTION: '10d' }));
  t.notThrows(() => parseNodeConfig({ RETENTION: '60s', ALLOW_SHORT_RETENTION: 'true' }));
});

/** A raw GET so that `..` and encoded slashes reach the server unchanged. */
function rawGet(
  base: string,
  rawPath: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the node serves index.txt and zips with the documented cache headers; anything else is a JSON 404, traversal included', async (t) => {
  const kit = await createExportKit();
  const node = await startTestNode({
    env: { BLOB_DIR: kit.blobDir, EXPORT_SCHEDULE_INTERVAL: '1h', EXPORT_WORKER_INTERVAL: '1h' },
  });
  try {
    const pool = node.db.pool;
    await createSigningKey(new SigningKeyRepository(pool, UNSEALED), { keyId: '310', now: hours(-1) });
    await new ExportConfigRepository(pool).insert({
      root: 'ca',
      outputRegion: 'CA',
      inputRegions: ['CA'],
      excludeRegions: [],
      includeTravelers: true,
      onlyTravelers: false,
      periodSeconds: 3600,
      maxRecordsPerFile: 500_000,
      fromTimestamp: hours(0),
      thruTimestamp: null,
    });
    await insertKeys(pool, [makeKey({ createdAt: hours(0) })]);
    await scheduleBatches({
      ...exportRepositories(pool, UNSEALED),
      logger: testLogger(),
      now: hours(3),
      truncateWindowSeconds: 3600,
      minWindowAgeSeconds: 3600,
      retentionSeconds: 14 * 86400,
    });
    await runExportWorker({
      ...exportRepositories(pool, UNSEALED),
      pool,
      blobs: new FileBlobStore(kit.blobDir),
      logger: testLogger(),
      now: () => hours(3),
      leaseSeconds: 60,
      settings: { minRecords: 0, paddingRange: 0, compressionLevel: 1 },
    });
    const base = node.server.httpUrl;

    const index = await fetch(`${base}/exports/ca/index.txt`);
    t.is(index.status, 200);
    t.is(index.headers.get('cache-control'), 'no-cache');
    const name = await index.text();
    t.regex(name, /^ca\/\d+-\d+-00001\.zip$/);

    const zip = await fetch(`${base}/exports/${name}`);
    t.is(zip.status, 200);
    t.is(zip.headers.get('content-type'), 'application/zip');
    t.is(zip.headers.get('cache-control'), 'public, max-age=86400');
    const body = Buffer.from(await zip.arrayBuffer());
    t.true(body.equals(await readFile(path.join(kit.blobDir, name))));
    t.deepEqual([...(await readZip(path.join(kit.blobDir, name))).keys()], ['export.bin', 'export.sig']);

    for (const attempt of [
      '/exports/ca/nope.zip',
      '/exports/other/index.txt',
      '/exports/ca/../../package.json',
      '/exports/ca/..%2f..%2fpackage.json',
      '/exports/%2e%2e/%2e%2e/package.json',
      '/exports/ca%2F..%2F..%2Fpackage.json',
      '/exports//etc/passwd',
      '/exports/ca/.index.txt.abc.tmp',
      '/exports/',
    ]) {
      const res = await rawGet(base, attempt);
      t.is(res.status, 404, attempt);
      t.regex(String(res.headers['content-type']), /json/, attempt);
      t.is((JSON.parse(res.body.toString()) as { code: string }).code, 'not_found', attempt);
    }
  } finally {
    await node.destroy();
    await kit.destroy();
  }
});
