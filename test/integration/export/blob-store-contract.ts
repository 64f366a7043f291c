import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';
import type { BlobStore, BlobStoreKind } from '../../../core/blob-store/blob-store';
import { runExportWorker } from '../../../core/export/batches/run-export-worker';
import { ExportConfigRepository } from '../../../core/export/configs/export-config.repository';
import { writeMissingIndexes } from '../../../core/export/serve/export-index';
import { INDEX_HEADERS, ZIP_HEADERS } from '../../../core/export/format/export-cache-headers';
import { decodeExportBin } from '../../../core/export/format/export-reader';
import { enforceRetention } from '../../../core/retention/retention';
import { RetentionRepository } from '../../../core/retention/retention.repository';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { testLogger } from '../../helpers/test-database';
import { startTestNode } from '../../helpers/test-servers';
import { readZipBuffer } from '../../helpers/zip';
import { addConfig, createExportKit, exportAt, fileRows, hours, workerDeps } from './export-kit';

/** A blob store under test, with what the tests need to look at it from outside enfed's interface. */
export interface StoreUnderTest {
  kind: BlobStoreKind;
  store: BlobStore;
  /** BLOB_STORE and its settings, as a server or a child process reads them. */
  env: Record<string, string>;
  /** Every name a reader of the store can see under `prefix` (what a CDN could serve). */
  list(prefix: string): Promise<string[]>;
  /** True once the store holds data of an unfinished write of `name` (staged blocks, parts, a temp file). */
  hasUncommitted(name: string): Promise<boolean>;
}

const CRASH_WRITER = fileURLToPath(new URL('../../helpers/blob-write-crash.ts', import.meta.url));
/** More than two blocks (Azure, 4 MiB) or parts (S3, 5 MiB), so an unfinished write has really staged some. */
const UNFINISHED_BYTES = 12 * 1024 * 1024;

/** Waits (bounded) until `condition` holds; a wait for a state, never a timing assertion. */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function zipKeys(store: BlobStore, name: string): Promise<Buffer[]> {
  const zip = await store.read(name);
  if (!zip) throw new Error(`${name}: not in the store`);
  const entries = await readZipBuffer(zip);
  if (!entries.has('export.sig')) throw new Error(`${name}: no export.sig`);
  return decodeExportBin(entries.get('export.bin')!).keys.map((k) => k.keyData);
}

/**
 * The tests every blob store passes: the export pipeline end to end (split batches, stored headers, the index,
 * a rebuild over the same names, retention), an aborted write, and a process killed in the middle of writes.
 * `sut()` is the store the test file started (in `test.before`).
 */
export function blobStoreContract(test: TestFn, kind: BlobStoreKind, sut: () => StoreUnderTest): void {
  test(`${kind}: exports split into several files, with stored headers and an index written last; a rebuild overwrites the same names; retention deletes files after their index lines`, async (t) => {
    const { store, list } = sut();
    const kit = await createExportKit(store);
    try {
      await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-1) });
      const root = `pipeline-${randomBytes(3).toString('hex')}`;
      const config = await addConfig(kit, { root, maxRecordsPerFile: 3 });
      const early = Array.from({ length: 7 }, () => makeKey({ createdAt: hours(0) }));
      const late = makeKey({ createdAt: hours(2) });
      await insertKeys(kit.db.pool, [...early, late]);
      await exportAt(kit, hours(5));

      const rows = await fileRows(kit, config.id);
      t.deepEqual(
        rows.map((r) => r.filename.replace(/^.*-/, '')),
        ['00001.zip', '00002.zip', '00003.zip', '00001.zip'],
      );
      const names = rows.map((r) => r.filename);
      t.is((await store.read(`${root}/index.txt`))?.toString('utf8'), names.join('\n'));
      t.deepEqual(await list(`${root}/`), [...names, `${root}/index.txt`].sort());
      const exported: Buffer[] = [];
      for (const name of names) {
        const keys = await zipKeys(store, name);
        t.true(keys.length >= 1 && keys.length <= 3, name);
        exported.push(...keys);
      }
      t.deepEqual(
        exported.map((k) => k.toString('hex')).sort(),
        [...early, late].map((k) => k.key.toString('hex')).sort(),
      );
      if (kind !== 'fs') {
        // Object stores keep the headers of docs/export-format.md with each blob, for the CDN to pass on.
        for (const name of names) t.like(await store.stat(name), ZIP_HEADERS, name);
        t.like(await store.stat(`${root}/index.txt`), INDEX_HEADERS);
      }

      // Rebuilding the first window writes the same names again (a new signature, so new bytes).
      const before = await store.read(names[0]!);
      await kit.db.pool.query(`update export_batches set status = 'open' where start_at = $1`, [hours(0)]);
      t.is((await runExportWorker(workerDeps(kit, hours(5)))).files, 3);
      t.deepEqual(
        (await fileRows(kit, config.id)).map((r) => r.filename),
        names,
      );
      t.deepEqual(await list(`${root}/`), [...names, `${root}/index.txt`].sort());
      t.false((await store.read(names[0]!))!.equals(before!), 'the rebuilt file replaced the first one');
      if (kind !== 'fs') t.like(await store.stat(names[0]!), ZIP_HEADERS);

      // Retention of 2 h at 03:30: the 00:00–01:00 window goes, its three files with it, its lines first.
      const result = await enforceRetention({
        repository: new RetentionRepository(kit.db.pool),
        pool: kit.db.pool,
        blobs: store,
        logger: testLogger(),
        now: hours(3.5),
        retentionSeconds: 2 * 3600,
      });
      t.deepEqual(result, { keysDeleted: 7, filesDeleted: 3 });
      t.is((await store.read(`${root}/index.txt`))?.toString('utf8'), names[3]);
      t.deepEqual(await list(`${root}/`), [names[3]!, `${root}/index.txt`].sort());
      for (const name of names.slice(0, 3)) t.is(await store.stat(name), undefined, name);
      if (kind !== 'fs') t.like(await store.stat(`${root}/index.txt`), INDEX_HEADERS);
    } finally {
      await kit.destroy();
    }
  });

  test(`${kind}: after a failure half-way, the next scheduler tick repairs the index and the next retention run deletes the zips left behind`, async (t) => {
    const { store, list } = sut();
    const kit = await createExportKit(store);
    try {
      await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-1) });
      const root = `heal-${randomBytes(3).toString('hex')}`;
      const config = await addConfig(kit, { root, maxRecordsPerFile: 1 });
      await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(0) }), makeKey({ createdAt: hours(0) })]);
      await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(2) })]);
      await exportAt(kit, hours(5));
      const names = (await fileRows(kit, config.id)).map((r) => r.filename);
      t.is(names.length, 3);

      // An index rewrite that failed after its batch completed: the tick writes it again, once.
      await store.writeAtomic(`${root}/index.txt`, names[0]!, INDEX_HEADERS);
      t.deepEqual(await writeMissingIndexes(kit.db.pool, store, [config]), [root]);
      t.is((await store.read(`${root}/index.txt`))?.toString('utf8'), names.join('\n'));
      t.deepEqual(await writeMissingIndexes(kit.db.pool, store, [config]), []);

      // Retention whose deletes fail (the store unreachable after the rows went): the index already lists only
      // the kept file, and the expired zips are still there.
      const retention = (blobs: BlobStore) =>
        enforceRetention({
          repository: new RetentionRepository(kit.db.pool),
          pool: kit.db.pool,
          blobs,
          logger: testLogger(),
          now: hours(3.5),
          retentionSeconds: 2 * 3600,
        });
      const failing: BlobStore = Object.assign(Object.create(store) as BlobStore, {
        delete: () => Promise.reject(new Error('store unreachable')),
      });
      await t.throwsAsync(retention(failing), { message: 'store unreachable' });
      t.is((await store.read(`${root}/index.txt`))?.toString('utf8'), names[2]);
      t.deepEqual(await list(`${root}/`), [...names, `${root}/index.txt`].sort());

      // A batch of that window being rebuilt keeps its files; once it is not, the next run deletes them.
      await kit.db.pool.query(`update export_batches set status = 'processing' where start_at = $1`, [hours(0)]);
      t.deepEqual(await retention(store), { keysDeleted: 0, filesDeleted: 0 });
      t.is((await list(`${root}/`)).length, 4);
      await kit.db.pool.query(`update export_batches set status = 'complete' where start_at = $1`, [hours(0)]);
      t.deepEqual(await retention(store), { keysDeleted: 0, filesDeleted: 2 });
      t.deepEqual(await list(`${root}/`), [names[2]!, `${root}/index.txt`].sort());
      t.deepEqual(await store.list(`${root}/`), [names[2]!, `${root}/index.txt`].sort());
      t.is((await store.read(`${root}/index.txt`))?.toString('utf8'), names[2]);
    } finally {
      await kit.destroy();
    }
  });

  test(`${kind}: a blob larger than several blocks or parts streams up and reads back whole, with its headers`, async (t) => {
    const { store, list } = sut();
    const root = `large-${randomBytes(3).toString('hex')}`;
    const name = `${root}/1-2-00001.zip`;
    const data = randomBytes(UNFINISHED_BYTES + 12345);
    const write = await store.createWrite(name, ZIP_HEADERS);
    for (let at = 0; at < data.length; at += 1 << 20) {
      if (!write.stream.write(data.subarray(at, at + (1 << 20)))) await once(write.stream, 'drain');
    }
    write.stream.end();
    await write.commit();
    t.deepEqual(await list(`${root}/`), [name]);
    t.true((await store.read(name))!.equals(data));
    t.like(await store.stat(name), kind === 'fs' ? { size: data.length } : { size: data.length, ...ZIP_HEADERS });
  });

  test(`${kind}: an aborted write leaves nothing visible, and an earlier blob of the same name stays whole`, async (t) => {
    const { store, list, hasUncommitted } = sut();
    const root = `abort-${randomBytes(3).toString('hex')}`;
    const existing = `${root}/1-2-00001.zip`;
    const fresh = `${root}/3-4-00001.zip`;
    const old = randomBytes(1000);
    await store.writeAtomic(existing, old, ZIP_HEADERS);
    for (const name of [existing, fresh]) {
      const write = await store.createWrite(name, ZIP_HEADERS);
      const chunk = randomBytes(1 << 20);
      for (let sent = 0; sent < UNFINISHED_BYTES; sent += chunk.length) {
        if (!write.stream.write(chunk)) await once(write.stream, 'drain');
      }
      await eventually(() => hasUncommitted(name), `staged data of ${name}`);
      await write.abort();
      await write.abort();
      await t.throwsAsync(write.commit());
      // S3 drops the parts of an aborted multipart upload at once (Azure garbage-collects uncommitted blocks).
      if (kind === 's3') t.false(await hasUncommitted(name), `${name}: multipart upload aborted`);
    }
    t.deepEqual(await list(`${root}/`), [existing]);
    t.true((await store.read(existing))!.equals(old));
    t.is(await store.stat(fresh), undefined);
  });

  test(`${kind}: a process killed in the middle of writes leaves nothing visible, and an earlier blob of the same name stays whole`, async (t) => {
    const { store, env, list, hasUncommitted } = sut();
    const root = `crash-${randomBytes(3).toString('hex')}`;
    const existing = `${root}/1-2-00001.zip`;
    const fresh = `${root}/3-4-00001.zip`;
    const old = randomBytes(1000);
    await store.writeAtomic(existing, old, ZIP_HEADERS);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--disable-warning=DEP0123', CRASH_WRITER, String(UNFINISHED_BYTES), existing, fresh],
      { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    let output = '';
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (c: Buffer) => {
          output += c.toString();
          if (output.includes('written')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`writer exited (${code}) early:\n${output}`)));
      });
      // The store really holds part of both files when the process dies.
      await eventually(async () => (await hasUncommitted(existing)) && (await hasUncommitted(fresh)), 'staged data');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    t.deepEqual(await list(`${root}/`), [existing]);
    t.true((await store.read(existing))!.equals(old));
    t.is(await store.stat(fresh), undefined);
  });
}

/**
 * What a node does with an object store: it checks the container or bucket at start-up (a missing one stops it,
 * naming the store but never a secret), writes each config's empty index there, and its /exports/ route
 * redirects to BLOB_PUBLIC_URL, or is off without it. `missing` is the env of a container/bucket that does not exist;
 * `secrets` are values no error may show.
 */
export function objectStoreServerTests(
  test: TestFn,
  kind: BlobStoreKind,
  sut: () => StoreUnderTest,
  missing: () => { env: Record<string, string>; secrets: string[] },
): void {
  test(`${kind}: a node writes a new config's empty index to the store, and its route redirects to BLOB_PUBLIC_URL`, async (t) => {
    const { store, env } = sut();
    const node = await startTestNode({
      env: { ...env, BLOB_PUBLIC_URL: 'https://cdn.example.test/exports/', EXPORT_SCHEDULE_INTERVAL: '1s' },
    });
    try {
      const root = `served-${randomBytes(3).toString('hex')}`;
      await new ExportConfigRepository(node.db.pool).insert({
        root,
        outputRegion: 'CA',
        inputRegions: ['CA'],
        excludeRegions: [],
        includeTravelers: true,
        onlyTravelers: false,
        periodSeconds: 3600,
        maxRecordsPerFile: 500_000,
        fromTimestamp: new Date(),
        thruTimestamp: null,
      });
      await eventually(async () => (await store.stat(`${root}/index.txt`)) !== undefined, 'the empty index');
      t.is((await store.read(`${root}/index.txt`))?.length, 0);
      t.like(await store.stat(`${root}/index.txt`), INDEX_HEADERS);

      const base = node.server.httpUrl;
      const index = await fetch(`${base}/exports/${root}/index.txt`, { redirect: 'manual' });
      t.is(index.status, 302);
      t.is(index.headers.get('location'), `https://cdn.example.test/exports/${root}/index.txt`);
      t.is(index.headers.get('cache-control'), 'no-cache');
      const zip = await fetch(`${base}/exports/${root}/1-2-00001.zip`, { redirect: 'manual' });
      t.is(zip.status, 302);
      t.is(zip.headers.get('location'), `https://cdn.example.test/exports/${root}/1-2-00001.zip`);
      t.is(zip.headers.get('cache-control'), 'public, max-age=86400');
      for (const attempt of [
        `/exports/${root}/..%2F..%2Fx%2Findex.txt`,
        `/exports/${root}/.index.txt.abc.tmp`,
        `/exports/${root}/nope.zip`,
        '/exports/',
      ]) {
        const res = await fetch(`${base}${attempt}`, { redirect: 'manual' });
        t.is(res.status, 404, attempt);
        t.is(((await res.json()) as { code: string }).code, 'not_found', attempt);
      }
    } finally {
      await node.destroy();
    }
  });

  test(`${kind}: without BLOB_PUBLIC_URL the route is off; a missing container or bucket stops start-up without showing a secret`, async (t) => {
    const node = await startTestNode({ env: sut().env });
    try {
      const res = await fetch(`${node.server.httpUrl}/exports/ca/index.txt`, { redirect: 'manual' });
      t.is(res.status, 404);
    } finally {
      await node.destroy();
    }
    const { env, secrets } = missing();
    const error = await t.throwsAsync(startTestNode({ env }));
    t.is((error as { code?: string }).code, 'blob_store_unavailable');
    t.regex(error!.message, /does not exist/);
    for (const secret of secrets) t.false(error!.message.includes(secret));
  });
}
