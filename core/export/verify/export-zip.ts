import yauzl from 'yauzl';

/** The entries of one export zip: every member's name (in order) and the bytes of each file member. */
export interface ZipContents {
  names: string[];
  files: Map<string, Buffer>;
}

/**
 * Reads a zip held in memory. Rejects for a buffer that is not a readable zip; the caller turns that into a
 * problem of the file rather than a crash, since verify is pointed at files it does not trust.
 */
export function readZip(zip: Buffer): Promise<ZipContents> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: false }, (err, archive) => {
      if (err || !archive) return reject(err ?? new Error('not a zip'));
      const names: string[] = [];
      const files = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (entry.fileName.endsWith('/')) return archive.readEntry();
        archive.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('unreadable zip member'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
          stream.on('error', reject);
        });
      });
      archive.on('end', () => resolve({ names, files }));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}
