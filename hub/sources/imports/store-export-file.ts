import type pg from 'pg';
import { inClientTransaction } from '../../../core/db/transaction';
import type { KeyOrigin } from '../../pool/key-origin';
import type { IncomingBatch, IngestCounts, KeyPool } from '../../pool/key-pool';
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
  // Primary keys first, then revisions: a key and its revision in one file end revised, as at the source.
  function* batches(): Generator<IncomingBatch> {
    for (const page of reader.pages('keys', input.pageSize)) {
      yield { primary: page.map((k) => incomingFromExport(k, imp)), revised: [] };
    }
    for (const page of reader.pages('revised', input.pageSize)) {
      yield { primary: [], revised: page.map((k) => incomingFromExport(k, imp)) };
    }
  }
  return inClientTransaction(input.session, async (tx) => {
    // Page N+1 is decoded, validated and COPY-encoded here while page N is being stored: the two overlap, and
    // pages are still stored one at a time, in file order. At most two pages are held besides export.bin.
    let storing: Promise<void> | undefined;
    try {
      for (const batch of batches()) {
        const prepared = input.keyPool.prepare(batch, input.origin, input.now);
        await storing;
        let signalSent!: () => void;
        const sent = new Promise<void>((resolve) => (signalSent = resolve));
        storing = input.keyPool.store(tx, prepared, signalSent).then(add);
        // Awaited at the next page or after the loop; until then a failure must not count as unhandled.
        storing.catch(() => undefined);
        // The next page is decoded and prepared only once this one's rows are on the wire: before that, work on
        // this thread holds up the replies the store waits for (savepoint, COPY start) and PostgreSQL idles.
        // Measured: 2.3 ms per page of waiting on the savepoint (500,000 keys: 0.57 s) without this.
        await Promise.race([sent, storing]);
      }
      await storing;
    } catch (err) {
      // The transaction's connection is shared: let a page being stored settle before it is rolled back.
      await storing?.catch(() => undefined);
      if (err instanceof Error && /index out of range|invalid wire type/i.test(err.message)) {
        throw new ImportError('export_invalid', `${name}: a key in export.bin is malformed`);
      }
      throw err;
    }
    await commitWith(tx, counts);
    return counts;
  });
}
