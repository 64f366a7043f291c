import type pg from 'pg';
import { inClientTransaction } from '../../../core/db/transaction';
import type { KeyOrigin } from '../../pool/key-origin';
import type { IngestCounts, KeyPool } from '../../pool/key-pool';
import { boundedDownload } from './bounded-download';
import { ExportBinReader } from './export-bin-reader';
import { readExportZip } from './export-zip';
import { ImportError } from './import-errors';
import type { ImportFile } from './import-files.repository';
import type { ImportPublicKey } from './import-public-keys.repository';
import { checkExportHeader, incomingFromExport } from './imported-keys';
import type { ExportImport } from './imports.repository';
import { verifyExport } from './verify-export';

/** Size limits of one export file. */
export interface FileLimits {
  maxBytes: number;
  maxInflatedBytes: number;
}

export interface StoreFileInput {
  session: pg.ClientBase;
  keyPool: KeyPool;
  url: URL;
  file: ImportFile;
  imp: ExportImport;
  keys: readonly ImportPublicKey[];
  origin: KeyOrigin;
  now: Date;
  pageSize: number;
  limits: FileLimits;
  downloadTimeoutMs: number;
}

/**
 * Downloads one export file, verifies it, checks its header and stores its keys in the pool, page by page, in one
 * transaction that `commitWith` completes (ledger row, run counters). Everything that can refuse the file runs
 * before the transaction opens, except a key list too broken to decode, which rolls the whole file back: nothing
 * of a file is ever half-imported.
 */
export async function storeExportFile(
  input: StoreFileInput,
  commitWith: (tx: pg.ClientBase, counts: IngestCounts) => Promise<void>,
): Promise<IngestCounts> {
  const { file, imp } = input;
  const name = file.fileName;
  const zip = await boundedDownload(
    input.url,
    { maxBytes: input.limits.maxBytes, timeoutMs: input.downloadTimeoutMs },
    name,
  );
  const { bin, sig } = await readExportZip(zip.body, input.limits.maxInflatedBytes, name);
  const signature = verifyExport(bin, sig, input.keys, input.now, name);
  const reader = ExportBinReader.open(bin, name);
  checkExportHeader(reader.header, signature, input.now, name);

  const counts: IngestCounts = { received: 0, inserted: 0, duplicates: 0, invalid: 0, revised: 0 };
  const add = (c: IngestCounts) => {
    counts.received += c.received;
    counts.inserted += c.inserted;
    counts.duplicates += c.duplicates;
    counts.invalid += c.invalid;
    counts.revised += c.revised;
  };
  return inClientTransaction(input.session, async (tx) => {
    try {
      // Primary keys first, then revisions: a key and its revision in one file end revised, as at the source.
      for (const page of reader.pages('keys', input.pageSize)) {
        const batch = { primary: page.map((k) => incomingFromExport(k, imp)), revised: [] };
        add(await input.keyPool.ingest(tx, batch, input.origin, input.now));
      }
      for (const page of reader.pages('revised', input.pageSize)) {
        const batch = { primary: [], revised: page.map((k) => incomingFromExport(k, imp)) };
        add(await input.keyPool.ingest(tx, batch, input.origin, input.now));
      }
    } catch (err) {
      if (err instanceof Error && /index out of range|invalid wire type/i.test(err.message)) {
        throw new ImportError('export_invalid', `${name}: a key in export.bin is malformed`);
      }
      throw err;
    }
    await commitWith(tx, counts);
    return counts;
  });
}
