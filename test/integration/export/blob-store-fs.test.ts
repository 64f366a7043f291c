import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/blob-store/file-blob-store';
import { blobStoreContract, type StoreUnderTest } from './blob-store-contract';

let dir: string | undefined;
let sut: StoreUnderTest | undefined;

test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enfed-blobs-'));
  const root = dir;
  const entries = (prefix: string) => readdir(path.join(root, prefix)).catch(() => [] as string[]);
  sut = {
    kind: 'fs',
    store: new FileBlobStore(root),
    env: { BLOB_STORE: 'fs', BLOB_DIR: root },
    // Temporary files start with a dot: the route never serves them, so they are not visible.
    list: async (prefix) =>
      (await entries(prefix))
        .filter((n) => !n.startsWith('.'))
        .map((n) => prefix + n)
        .sort(),
    hasUncommitted: async (name) => {
      const base = path.basename(name);
      return (await entries(path.dirname(name))).some((n) => n.startsWith(`.${base}.`) && n.endsWith('.tmp'));
    },
  };
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

blobStoreContract(test, 'fs', () => sut!);
