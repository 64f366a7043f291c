import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { execFile } from 'node:child_process';
import { exportRepositories } from '../../../core/export/batches/export-repositories';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BlobStore } from '../../../core/blob-store/blob-store';
import { FileBlobStore } from '../../../core/blob-store/file-blob-store';
import type { ExportConfigRecord } from '../../../core/export/configs/export-config.model';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import {
  decodeExportBin,
  decodeSignatureList,
  type DecodedExport,
  type DecodedSignature,
} from '../../../core/export/format/export-reader';
import { runExportWorker, type ExportWorkerDeps } from '../../../core/export/batches/run-export-worker';
import { scheduleBatches } from '../../../core/export/batches/schedule-batches';
import { createTestDatabase, testLogger, type TestDatabase } from '../../helpers/test-database';
import { readZipBuffer } from '../../helpers/zip';

/** A throwaway database plus a temporary blob directory (or the given store), for one export test. */
export interface ExportKit {
  db: TestDatabase;
  blobDir: string;
  blobs: BlobStore;
  destroy(): Promise<void>;
}

export async function createExportKit(store?: BlobStore): Promise<ExportKit> {
  const db = await createTestDatabase();
  const blobDir = await mkdtemp(path.join(tmpdir(), 'enfed-export-'));
  return {
    db,
    blobDir,
    blobs: store ?? new FileBlobStore(blobDir),
    async destroy() {
      await db.destroy();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/** 2025-09-18T00:00:00Z: the test windows start here. */
export const DAY = new Date('2025-09-18T00:00:00Z');
export const hours = (n: number) => new Date(DAY.getTime() + n * 3600_000);

/** Adds an export config with test defaults (hourly, region CA, from DAY). */
export function addConfig(
  kit: ExportKit,
  overrides: Partial<Omit<ExportConfigRecord, 'id'>> = {},
): Promise<ExportConfigRecord> {
  return new ExportConfigRepository(kit.db.pool).insert({
    root: 'ca',
    outputRegion: 'CA',
    inputRegions: ['CA'],
    excludeRegions: [],
    includeTravelers: true,
    onlyTravelers: false,
    periodSeconds: 3600,
    maxRecordsPerFile: 500_000,
    fromTimestamp: DAY,
    thruTimestamp: null,
    ...overrides,
  });
}

/** Worker dependencies for the kit; padding off unless asked for. */
export function workerDeps(
  kit: ExportKit,
  now: Date,
  settings: Partial<ExportWorkerDeps['settings']> = {},
): ExportWorkerDeps {
  return {
    ...exportRepositories(kit.db.pool, UNSEALED),
    pool: kit.db.pool,
    blobs: kit.blobs,
    logger: testLogger(),
    now: () => now,
    leaseSeconds: 60,
    settings: { minRecords: 0, paddingRange: 0, compressionLevel: 1, ...settings },
  };
}

/** Schedules closed windows (1 h truncation, 1 h minimum age, 14 d retention) and builds them. */
export async function exportAt(kit: ExportKit, now: Date, settings: Partial<ExportWorkerDeps['settings']> = {}) {
  const created = await scheduleBatches({
    ...exportRepositories(kit.db.pool, UNSEALED),
    logger: testLogger(),
    now,
    truncateWindowSeconds: 3600,
    minWindowAgeSeconds: 3600,
    retentionSeconds: 14 * 86400,
  });
  const result = await runExportWorker(workerDeps(kit, now, settings));
  return { created, ...result };
}

/** The entries of a zip file. */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  return readZipBuffer(await readFile(file));
}

/** An export zip of ours, read and decoded. */
export interface ReadExport {
  entries: string[];
  bin: Buffer;
  sig: Buffer;
  export: DecodedExport;
  signatures: DecodedSignature[];
}

export async function readExport(kit: ExportKit, name: string): Promise<ReadExport> {
  const entries = await readZip(path.join(kit.blobDir, name));
  const bin = entries.get('export.bin');
  const sig = entries.get('export.sig');
  if (!bin || !sig) throw new Error(`${name}: missing entries`);
  return { entries: [...entries.keys()], bin, sig, export: decodeExportBin(bin), signatures: decodeSignatureList(sig) };
}

/** Runs the real `openssl dgst -sha256 -verify` on export.bin with a DER signature; true on "Verified OK". */
export async function opensslVerifies(bin: Buffer, derSignature: Buffer, publicKeyPem: string): Promise<boolean> {
  const dir = await mkdtemp(path.join(tmpdir(), 'enfed-openssl-'));
  try {
    await writeFile(path.join(dir, 'export.bin'), bin);
    await writeFile(path.join(dir, 'sig.der'), derSignature);
    await writeFile(path.join(dir, 'pub.pem'), publicKeyPem);
    const { stdout } = await promisify(execFile)(
      'openssl',
      ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'export.bin'],
      { cwd: dir },
    );
    return stdout.trim() === 'Verified OK';
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Names of the export_files rows of a config, in index order. */
export async function fileRows(
  kit: ExportKit,
  configId: number,
): Promise<{ filename: string; keyCount: number; revisedCount: number }[]> {
  const result = await kit.db.pool.query(
    `select f.filename, f.key_count as "keyCount", f.revised_count as "revisedCount"
     from export_files f join export_batches b on b.id = f.batch_id where f.config_id = $1 order by b.start_at, f.file_number`,
    [configId],
  );
  return result.rows;
}
