import yauzl from 'yauzl';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../../../core/export/format/export-format';
import { ImportError } from './import-errors';

/** The two entries of an export file. */
export interface ExportEntries {
  bin: Buffer;
  sig: Buffer;
}

/** Entries an export zip may have at most (it should have two). */
const MAX_ENTRIES = 8;

/**
 * Opens a downloaded export zip (held in memory, already capped in size) and inflates export.bin and export.sig.
 * A zip bomb is stopped twice: by the sizes the zip declares (summed before anything is inflated) and by the bytes
 * actually inflated (counted while reading, in case the declared sizes lie). A truncated or malformed zip fails
 * as `zip_invalid`.
 */
export async function readExportZip(zip: Buffer, maxInflatedBytes: number, name: string): Promise<ExportEntries> {
  const archive = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
      err || !z ? reject(invalid(name, err)) : resolve(z),
    );
  });
  const found = new Map<string, Buffer>();
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let entries = 0;
      archive.on('error', (err: Error) => reject(invalid(name, err)));
      archive.on('end', () => resolve());
      archive.on('entry', (entry: yauzl.Entry) => {
        entries += 1;
        if (entries > MAX_ENTRIES) return reject(new ImportError('zip_entries', `${name}: too many zip entries`));
        const wanted = entry.fileName === EXPORT_BIN_ENTRY || entry.fileName === EXPORT_SIG_ENTRY;
        if (!wanted) return archive.readEntry();
        if (found.has(entry.fileName)) {
          return reject(new ImportError('zip_entries', `${name}: ${entry.fileName} appears twice`));
        }
        if (inflated + entry.uncompressedSize > maxInflatedBytes) return reject(bomb(name, maxInflatedBytes));
        archive.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(invalid(name, err));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => {
            inflated += chunk.length;
            if (inflated > maxInflatedBytes) {
              stream.destroy();
              reject(bomb(name, maxInflatedBytes));
              return;
            }
            chunks.push(chunk);
          });
          stream.on('error', (e: Error) => reject(invalid(name, e)));
          stream.on('end', () => {
            found.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  } finally {
    archive.close();
  }
  const bin = found.get(EXPORT_BIN_ENTRY);
  const sig = found.get(EXPORT_SIG_ENTRY);
  if (!bin || !sig) throw new ImportError('zip_entries', `${name}: export.bin or export.sig is missing`);
  return { bin, sig };
}

function invalid(name: string, err: unknown): ImportError {
  const reason = String((err as Error | undefined)?.message ?? 'unreadable').slice(0, 120);
  return new ImportError('zip_invalid', `${name}: not a readable zip (${reason})`);
}

function bomb(name: string, max: number): ImportError {
  return new ImportError('zip_too_large_inflated', `${name}: inflates past the ${max} bytes allowed`);
}
