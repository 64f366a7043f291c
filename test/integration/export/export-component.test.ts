import { UNSEALED } from '../../../core/secrets/secret-sealer';
import test from 'ava';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import { decodeExportBin } from '../../../core/export/format/export-reader';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { writeMissingIndexes } from '../../../core/export/serve/export-index';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestNode } from '../../helpers/test-servers';
import { createExportKit, readZip } from './export-kit';
import path from 'node:path';
import { readFile } from 'node:fs/promises';

const configFor = (root: string, now: number) => ({
  root,
  outputRegion: 'CA',
  inputRegions: ['CA'],
  excludeRegions: [],
  includeTravelers: true,
  onlyTravelers: false,
  periodSeconds: 2,
  maxRecordsPerFile: 500_000,
  fromTimestamp: new Date(now - 10_000),
  thruTimestamp: null,
});

test('with compressed timings the node exports on its own schedule (BullMQ) and serves the file', async (t) => {
  const kit = await createExportKit();
  const node = await startTestNode({
    env: {
      BLOB_DIR: kit.blobDir,
      TRUNCATE_WINDOW: '1s',
      EXPORT_MIN_WINDOW_AGE: '1s',
      EXPORT_SCHEDULE_INTERVAL: '1s',
      EXPORT_WORKER_INTERVAL: '1s',
      EXPORT_FILE_MIN_RECORDS: '0',
    },
  });
  try {
    const pool = node.db.pool;
    const now = Date.now();
    await createSigningKey(new SigningKeyRepository(pool, UNSEALED), { keyId: '310', now: new Date(now - 60_000) });
    await new ExportConfigRepository(pool).insert({
      root: 'ca',
      outputRegion: 'CA',
      inputRegions: ['CA'],
      excludeRegions: [],
      includeTravelers: true,
      onlyTravelers: false,
      periodSeconds: 2,
      maxRecordsPerFile: 500_000,
      fromTimestamp: new Date(now - 10_000),
      thruTimestamp: null,
    });
    const key = makeKey({ createdAt: new Date(now - 4_000) });
    await insertKeys(pool, [key]);
    let index = '';
    for (let i = 0; i < 60 && index === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const res = await fetch(`${node.server.httpUrl}/exports/ca/index.txt`);
      if (res.status === 200) index = await res.text();
    }
    t.regex(index, /^ca\/\d+-\d+-00001\.zip$/);
    const entries = await readZip(path.join(kit.blobDir, index));
    const decoded = decodeExportBin(entries.get('export.bin')!);
    t.deepEqual(
      decoded.keys.map((k) => k.keyData),
      [key.key],
    );
  } finally {
    await node.destroy();
    await kit.destroy();
  }
});

test('a config without files has an empty index.txt: 200 with an empty body, not 404', async (t) => {
  const kit = await createExportKit();
  const node = await startTestNode({ env: { BLOB_DIR: kit.blobDir, EXPORT_SCHEDULE_INTERVAL: '1s' } });
  try {
    const url = `${node.server.httpUrl}/exports/later/index.txt`;
    t.is((await fetch(url)).status, 404, 'no config, no index');
    // A config added while the server runs gets its index at the next scheduled run.
    await new ExportConfigRepository(node.db.pool).insert(configFor('later', Date.now()));
    let res = await fetch(url);
    for (let i = 0; i < 60 && res.status === 404; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      res = await fetch(url);
    }
    t.is(res.status, 200);
    t.is(await res.text(), '');

    // What the component also runs at start-up: writes the missing ones, leaves an existing index as it is.
    const early = await new ExportConfigRepository(kit.db.pool).insert(configFor('early', Date.now()));
    t.deepEqual(await writeMissingIndexes(kit.db.pool, kit.blobs, [early]), ['early']);
    t.is(await readFile(path.join(kit.blobDir, 'early/index.txt'), 'utf8'), '');
    t.deepEqual(await writeMissingIndexes(kit.db.pool, kit.blobs, [early]), []);
  } finally {
    await node.destroy();
    await kit.destroy();
  }
});
