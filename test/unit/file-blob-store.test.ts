import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../core/blob-store/file-blob-store';

// Every fs.close of this process, by descriptor: the file store's own and its write streams' (both go through the
// fs module, which this test file's worker process owns alone).
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
const closes = new Map<number, number>();
const realClose = fs.close;
fs.close = ((fd: number, callback?: (err: NodeJS.ErrnoException | null) => void) => {
  closes.set(fd, (closes.get(fd) ?? 0) + 1);
  return realClose(fd, callback);
}) as typeof fs.close;
syncBuiltinESMExports();

async function withStore(run: (store: FileBlobStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'enfed-fs-close-'));
  try {
    await run(new FileBlobStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test.serial('an aborted write closes its descriptor once and leaves nothing behind', async (t) => {
  await withStore(async (store, root) => {
    closes.clear();
    const write = await store.createWrite('ca/1-2-00001.zip');
    write.stream.write(Buffer.alloc(1024));
    await write.abort();
    t.deepEqual([...closes.values()], [1], 'one close: a second one could close a reused descriptor number');
    t.deepEqual(await readdir(path.join(root, 'ca')), []);
  });
});

test.serial('a committed write closes its descriptor once and appears under its name', async (t) => {
  await withStore(async (store, root) => {
    closes.clear();
    const write = await store.createWrite('ca/1-2-00001.zip');
    write.stream.end(Buffer.from('zip bytes'));
    await write.commit();
    t.deepEqual([...closes.values()], [1]);
    t.deepEqual(await readdir(path.join(root, 'ca')), ['1-2-00001.zip']);
  });
});

test.serial('a write whose stream failed closes its descriptor once and commit reports the failure', async (t) => {
  await withStore(async (store) => {
    closes.clear();
    const write = await store.createWrite('ca/1-2-00001.zip');
    write.stream.destroy(new Error('disk went away'));
    await t.throwsAsync(write.commit(), { message: 'disk went away' });
    t.deepEqual([...closes.values()], [1]);
  });
});
