import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import yauzl from 'yauzl';
import { AppError } from '../../../core/errors/app-error';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../../../core/export/format/export-format';
import {
  decodeExportBin,
  decodeSignatureList,
  verifyExportSignature,
  type DecodedExport,
} from '../../../core/export/format/export-reader';

/** A file that is not a well-formed, correctly signed export of the asked day; `code` goes to the ledger. */
export class RetrieveFileError extends AppError {
  constructor(code: string, message: string) {
    super('unavailable', code, message);
  }
}

/** A verified day file: its keys and the digest of its export.bin (the ledger's "did it change"). */
export interface VerifiedDayFile {
  export: DecodedExport;
  digest: string;
}

const DAY_SECONDS = 86_400;

/**
 * Opens a retrieve answer: a zip with export.bin and export.sig, each inflated only up to `maxEntryBytes` (a zip
 * bomb stops there); the signature checked over the whole export.bin with the source's public key (ECDSA P-256,
 * SHA-256, DER, as the reference signs); then the header: one batch, and the window of the day that was asked for.
 * Nothing is handed on before all of it passed.
 */
export async function openDayFile(
  zip: Buffer,
  publicKey: string | KeyObject,
  day: number,
  maxEntryBytes: number,
): Promise<VerifiedDayFile> {
  const entries = await unzip(zip, maxEntryBytes);
  const bin = entries.get(EXPORT_BIN_ENTRY);
  const sig = entries.get(EXPORT_SIG_ENTRY);
  if (!bin || !sig) throw new RetrieveFileError('export_entries_missing', 'the zip lacks export.bin or export.sig');
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  let signatures: ReturnType<typeof decodeSignatureList>;
  try {
    signatures = decodeSignatureList(sig);
  } catch {
    throw new RetrieveFileError('export_signature_unreadable', 'export.sig is not a signature list');
  }
  if (!signatures.some((s) => verifyExportSignature(bin, s.signature, key))) {
    throw new RetrieveFileError('export_signature_invalid', 'export.sig does not verify with the configured key');
  }
  let decoded: DecodedExport;
  try {
    decoded = decodeExportBin(bin);
  } catch {
    throw new RetrieveFileError('export_unreadable', 'export.bin is not an export');
  }
  if (decoded.batchSize !== 1 || decoded.batchNum !== 1) {
    throw new RetrieveFileError('export_batch_unexpected', 'a retrieve file is batch 1 of 1');
  }
  if (decoded.startTimestamp !== day * DAY_SECONDS || decoded.endTimestamp !== (day + 1) * DAY_SECONDS) {
    throw new RetrieveFileError('export_window_mismatch', 'the file does not cover the day that was asked for');
  }
  return { export: decoded, digest: createHash('sha256').update(bin).digest('hex') };
}

/** The zip's entries, each inflated up to `maxEntryBytes` (yauzl also checks sizes against the directory). */
function unzip(zip: Buffer, maxEntryBytes: number): Promise<Map<string, Buffer>> {
  const bad = (message: string) => new RetrieveFileError('export_zip_invalid', message);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, archive) => {
      if (err || !archive) return reject(bad('the answer is not a zip'));
      const entries = new Map<string, Buffer>();
      const fail = (e: Error) => {
        archive.close();
        reject(e);
      };
      archive.on('error', () => fail(bad('the zip is damaged')));
      archive.on('end', () => resolve(entries));
      archive.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== EXPORT_BIN_ENTRY && entry.fileName !== EXPORT_SIG_ENTRY) return archive.readEntry();
        if (entries.has(entry.fileName)) return fail(bad('an entry appears twice'));
        if (entry.uncompressedSize > maxEntryBytes) {
          return fail(new RetrieveFileError('export_too_large', `an entry inflates past ${maxEntryBytes} bytes`));
        }
        archive.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(bad('an entry cannot be read'));
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxEntryBytes) {
              stream.destroy();
              fail(new RetrieveFileError('export_too_large', `an entry inflates past ${maxEntryBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          stream.on('error', () => fail(bad('an entry cannot be inflated')));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}
