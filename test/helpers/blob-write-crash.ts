/**
 * Child process of the blob store tests: starts an atomic write of each name given on the command line into the
 * store its environment configures (BLOB_STORE and its settings, as a server reads them), streams BYTES random
 * bytes into each without committing, prints "written" and waits to be killed: a crash in the middle of an
 * export file. Usage: node --import tsx blob-write-crash.ts BYTES NAME...
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { blobStoreConfig } from '../../core/blob-store/blob-store.config';
import { createBlobStore } from '../../core/blob-store/create-blob-store';
import { commonConfig } from '../../core/config/common.config';
import { parseSections } from '../../core/config/config-section';
import { ZIP_HEADERS } from '../../core/export/format/export-cache-headers';

const [bytesArg, ...names] = process.argv.slice(2);
const bytes = Number(bytesArg);
const store = createBlobStore(parseSections([commonConfig, blobStoreConfig], process.env));
await Promise.all(
  names.map(async (name) => {
    const write = await store.createWrite(name, ZIP_HEADERS);
    const chunk = randomBytes(1 << 20);
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      if (!write.stream.write(chunk)) await once(write.stream, 'drain');
    }
  }),
);
process.stdout.write('written\n');
// Never commits: the parent kills this process.
setInterval(() => undefined, 60_000);
