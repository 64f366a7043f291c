import { UNSEALED } from '../../../core/secrets/secret-sealer';
import test from 'ava';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { exportFileName } from '../../../core/export/configs/export-config.model';
import { SIGNATURE_ALGORITHM } from '../../../core/signing/signature';
import type { DecodedKey } from '../../../core/export/format/export-reader';
import { toWireReportType, type ReportType } from '../../../core/keys/report-type';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey, reviseKey, type SeedKey } from '../../helpers/key-factory';
import {
  addConfig,
  createExportKit,
  exportAt,
  fileRows,
  hours,
  opensslVerifies,
  readExport,
  type ExportKit,
} from './export-kit';

async function withKit(run: (kit: ExportKit, publicKeyPem: string) => Promise<void>): Promise<void> {
  const kit = await createExportKit();
  try {
    const key = await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), {
      keyId: '310',
      now: hours(-48),
    });
    await run(kit, key.publicKeyPem);
  } finally {
    await kit.destroy();
  }
}

/** What a stored key must look like in a file. */
function wire(k: SeedKey): DecodedKey {
  return {
    keyData: k.key,
    transmissionRiskLevel: k.transmissionRisk,
    rollingStartIntervalNumber: k.intervalNumber,
    rollingPeriod: k.intervalCount,
    reportType: toWireReportType(k.reportType as ReportType),
    daysSinceOnsetOfSymptoms: k.daysSinceOnset ?? undefined,
  };
}
const byKey = (a: { keyData: Buffer }, b: { keyData: Buffer }) => Buffer.compare(a.keyData, b.keyData);
const isSorted = (keys: { keyData: Buffer }[]) => keys.every((k, i) => i === 0 || byKey(keys[i - 1]!, k) < 0);
const seconds = (d: Date) => d.getTime() / 1000;

test('a closed window becomes one signed zip that openssl verifies and that decodes back to the same keys', async (t) => {
  await withKit(async (kit, publicKeyPem) => {
    const config = await addConfig(kit);
    const keys = [
      makeKey({ createdAt: hours(0), reportType: 'confirmed', daysSinceOnset: -3 }),
      makeKey({ createdAt: hours(0), reportType: 'likely', intervalCount: 100, daysSinceOnset: null }),
      makeKey({ createdAt: hours(0), reportType: '', transmissionRisk: 0 }),
      makeKey({ createdAt: hours(0), reportType: 'user-report', daysSinceOnset: 14 }),
    ];
    await insertKeys(kit.db.pool, keys);
    // 03:10: truncated to 03:00, minus the 1 h minimum age → windows ending by 02:00 are closed.
    const result = await exportAt(kit, new Date(hours(3).getTime() + 600_000));
    t.is(result.created, 2);
    t.is(result.batches, 2);
    t.is(result.failed, 0);

    const name = exportFileName('ca', { start: hours(0), end: hours(1) }, 1);
    t.is(name, `ca/${seconds(hours(0))}-${seconds(hours(1))}-00001.zip`);
    t.deepEqual(await fileRows(kit, config.id), [{ filename: name, keyCount: 4, revisedCount: 0 }]);
    t.is(await readFile(path.join(kit.blobDir, 'ca/index.txt'), 'utf8'), name);

    const file = await readExport(kit, name);
    t.deepEqual(file.entries, ['export.bin', 'export.sig']);
    t.true(file.bin.subarray(0, 16).equals(Buffer.from('EK Export v1    ')));
    t.is(file.export.startTimestamp, seconds(hours(0)));
    t.is(file.export.endTimestamp, seconds(hours(1)));
    t.is(file.export.region, 'CA');
    t.is(file.export.batchNum, 1);
    t.is(file.export.batchSize, 1);
    const info = { verificationKeyVersion: 'v1', verificationKeyId: '310', signatureAlgorithm: SIGNATURE_ALGORITHM };
    t.deepEqual(file.export.signatureInfos, [info]);
    t.deepEqual(file.export.keys, [...keys].sort((a, b) => Buffer.compare(a.key, b.key)).map(wire));
    t.deepEqual(file.export.revisedKeys, []);

    t.is(file.signatures.length, 1);
    const [signature] = file.signatures;
    t.deepEqual(signature!.signatureInfo, info);
    t.true(await opensslVerifies(file.bin, signature!.signature, publicKeyPem));
    t.true(verify('sha256', file.bin, { key: publicKeyPem, dsaEncoding: 'der' }, signature!.signature));
    const tampered = Buffer.from(file.bin);
    tampered.writeUInt8(tampered.readUInt8(20) ^ 1, 20);
    t.false(await opensslVerifies(tampered, signature!.signature, publicKeyPem));
  });
});

test('small windows are padded with fake keys that copy real metadata and are never stored', async (t) => {
  await withKit(async (kit) => {
    const config = await addConfig(kit);
    const keys = Array.from({ length: 5 }, (_, i) =>
      makeKey({ createdAt: hours(0), transmissionRisk: i + 1, intervalNumber: 2930000 + i }),
    );
    await insertKeys(kit.db.pool, keys);
    await exportAt(kit, hours(3), { minRecords: 1000, paddingRange: 100 });
    const [row] = await fileRows(kit, config.id);
    t.is(row?.keyCount, 5);
    const file = await readExport(kit, row!.filename);
    const count = file.export.keys.length;
    t.true(count >= 1000 && count <= 1100, `${count} keys`);
    t.true(isSorted(file.export.keys));
    for (const k of keys) t.true(file.export.keys.some((d) => d.keyData.equals(k.key)));
    const metadata = new Set(keys.map((k) => `${k.transmissionRisk}/${k.intervalNumber}`));
    t.true(file.export.keys.every((d) => metadata.has(`${d.transmissionRiskLevel}/${d.rollingStartIntervalNumber}`)));
    const stored = await kit.db.pool.query<{ n: number }>('select count(*)::int as n from exposure_keys');
    t.is(stored.rows[0]!.n, 5);
  });
});

test('a window over max records per file is split: distinct end_timestamp, each file sorted, every key once', async (t) => {
  await withKit(async (kit, publicKeyPem) => {
    const config = await addConfig(kit, { maxRecordsPerFile: 3 });
    const keys = Array.from({ length: 7 }, () => makeKey({ createdAt: hours(1) }));
    const old = Array.from({ length: 3 }, () => makeKey({ createdAt: hours(-30) }));
    await insertKeys(kit.db.pool, [...keys, ...old]);
    for (const k of old) await reviseKey(kit.db.pool, k.key, 'negative', hours(1));
    await exportAt(kit, hours(4));
    const rows = await fileRows(kit, config.id);
    t.deepEqual(
      rows.map((r) => r.filename),
      [1, 2, 3, 4].map((n) => exportFileName('ca', { start: hours(1), end: hours(2) }, n)),
    );
    const files = await Promise.all(rows.map((r) => readExport(kit, r.filename)));
    t.deepEqual(
      files.map((f) => f.export.endTimestamp),
      [0, 1, 2, 3].map((n) => seconds(hours(2)) + n),
    );
    t.true(
      files.every(
        (f) => f.export.startTimestamp === seconds(hours(1)) && f.export.batchNum === 1 && f.export.batchSize === 1,
      ),
    );
    t.true(files.every((f) => f.export.keys.length + f.export.revisedKeys.length <= 3));
    t.true(files.every((f) => isSorted(f.export.keys) && isSorted(f.export.revisedKeys)));
    const primary = files.flatMap((f) => f.export.keys);
    t.deepEqual(primary, [...keys].sort((a, b) => Buffer.compare(a.key, b.key)).map(wire));
    const revised = files.flatMap((f) => f.export.revisedKeys);
    t.deepEqual(
      revised.map((k) => k.keyData),
      old.map((k) => k.key).sort(Buffer.compare),
    );
    t.true(revised.every((k) => k.reportType === 5));
    for (const f of files) t.true(await opensslVerifies(f.bin, f.signatures[0]!.signature, publicKeyPem));
    t.deepEqual(
      rows.map((r) => r.keyCount + r.revisedCount),
      [3, 3, 3, 1],
    );
    t.is((await readFile(path.join(kit.blobDir, 'ca/index.txt'), 'utf8')).split('\n').length, 4);
  });
});

test('a revised key goes into revised_keys of the window of its revision, with the revised values', async (t) => {
  await withKit(async (kit) => {
    const config = await addConfig(kit);
    const key = makeKey({ createdAt: hours(0), reportType: 'likely', transmissionRisk: 4, daysSinceOnset: 2 });
    await insertKeys(kit.db.pool, [key]);
    await kit.db.pool.query(
      `update exposure_keys set revised_report_type = 'confirmed', revised_at = $2, revised_transmission_risk = 2,
         revised_days_since_onset = 3 where key = $1`,
      [key.key, hours(2)],
    );
    await exportAt(kit, hours(5));
    const rows = await fileRows(kit, config.id);
    t.is(rows.length, 2);
    const first = await readExport(kit, rows[0]!.filename);
    t.is(first.export.startTimestamp, seconds(hours(0)));
    t.deepEqual(first.export.keys, [wire(key)]);
    t.deepEqual(first.export.revisedKeys, []);
    const second = await readExport(kit, rows[1]!.filename);
    t.is(second.export.startTimestamp, seconds(hours(2)));
    t.deepEqual(second.export.keys, []);
    t.deepEqual(second.export.revisedKeys, [
      { ...wire(key), reportType: 1, transmissionRiskLevel: 2, daysSinceOnsetOfSymptoms: 3 },
    ]);
    t.is(rows[1]!.revisedCount, 1);
    // The index lists both, oldest first; the empty window between them made no file.
    t.is(await readFile(path.join(kit.blobDir, 'ca/index.txt'), 'utf8'), rows.map((r) => r.filename).join('\n'));
  });
});

test('region rules: input regions, exclude regions, travelers included or only', async (t) => {
  await withKit(async (kit) => {
    const k = {
      ca: makeKey({ createdAt: hours(0), regions: ['CA'] }),
      caNy: makeKey({ createdAt: hours(0), regions: ['CA', 'NY'] }),
      ny: makeKey({ createdAt: hours(0), regions: ['NY'] }),
      txTraveler: makeKey({ createdAt: hours(0), regions: ['TX'], traveler: true }),
      caTxTraveler: makeKey({ createdAt: hours(0), regions: ['CA', 'TX'], traveler: true }),
    };
    await insertKeys(kit.db.pool, Object.values(k));
    const configs = {
      caWithTravelers: await addConfig(kit, { root: 'a' }),
      caNoTravelers: await addConfig(kit, { root: 'b', includeTravelers: false }),
      allButNy: await addConfig(kit, { root: 'c', inputRegions: ['*'], excludeRegions: ['NY'] }),
      caExcludeTx: await addConfig(kit, { root: 'd', excludeRegions: ['TX'] }),
      onlyTravelers: await addConfig(kit, { root: 'e', inputRegions: [], onlyTravelers: true }),
      nothing: await addConfig(kit, { root: 'f', inputRegions: ['WA'], includeTravelers: false }),
    };
    await exportAt(kit, hours(3));
    const contents = async (configId: number) => {
      const rows = await fileRows(kit, configId);
      if (rows.length === 0) return [];
      const file = await readExport(kit, rows[0]!.filename);
      return file.export.keys.map((d) => d.keyData.toString('hex')).sort();
    };
    const hex = (...keys: SeedKey[]) => keys.map((x) => x.key.toString('hex')).sort();
    t.deepEqual(await contents(configs.caWithTravelers.id), hex(k.ca, k.caNy, k.txTraveler, k.caTxTraveler));
    t.deepEqual(await contents(configs.caNoTravelers.id), hex(k.ca, k.caNy, k.caTxTraveler));
    t.deepEqual(await contents(configs.allButNy.id), hex(k.ca, k.txTraveler, k.caTxTraveler));
    t.deepEqual(await contents(configs.caExcludeTx.id), hex(k.ca, k.caNy));
    t.deepEqual(await contents(configs.onlyTravelers.id), hex(k.txTraveler, k.caTxTraveler));
    t.deepEqual(await contents(configs.nothing.id), []);
  });
});
