import test from 'ava';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import { decodeExportBin } from '../../../core/export/format/export-reader';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestNode } from '../../helpers/test-servers';
import { createExportKit, readZip } from './export-kit';
import path from 'node:path';

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
    await createSigningKey(new SigningKeyRepository(pool), { keyId: '310', now: new Date(now - 60_000) });
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
