import { UNSEALED } from '../../../core/secrets/secret-sealer';
import test from 'ava';
import { exportRepositories } from '../../../core/export/batches/export-repositories';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ExportBatchRepository } from '../../../core/export/batches/export-batch.repository';
import { runExportWorker } from '../../../core/export/batches/run-export-worker';
import { scheduleBatches } from '../../../core/export/batches/schedule-batches';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey, rotateSigningKey } from '../../../core/signing/signing-keys';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { testLogger } from '../../helpers/test-database';
import {
  addConfig,
  createExportKit,
  exportAt,
  fileRows,
  hours,
  opensslVerifies,
  readExport,
  workerDeps,
} from './export-kit';

test('two workers racing over the same batches build each file exactly once', async (t) => {
  const kit = await createExportKit();
  try {
    await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-1) });
    const a = await addConfig(kit, { root: 'a' });
    const b = await addConfig(kit, { root: 'b', maxRecordsPerFile: 2 });
    await insertKeys(
      kit.db.pool,
      Array.from({ length: 8 }, (_, i) => makeKey({ createdAt: hours(i % 8) })).concat(
        Array.from({ length: 8 }, (_, i) => makeKey({ createdAt: hours(i % 4) })),
      ),
    );
    const now = hours(10);
    const created = await scheduleBatches({
      ...exportRepositories(kit.db.pool, UNSEALED),
      logger: testLogger(),
      now,
      truncateWindowSeconds: 3600,
      minWindowAgeSeconds: 3600,
      retentionSeconds: 14 * 86400,
    });
    t.is(created, 18);
    // Scheduling again (another replica) adds nothing.
    t.is(
      await scheduleBatches({
        ...exportRepositories(kit.db.pool, UNSEALED),
        logger: testLogger(),
        now,
        truncateWindowSeconds: 3600,
        minWindowAgeSeconds: 3600,
        retentionSeconds: 14 * 86400,
      }),
      0,
    );
    const [one, two] = await Promise.all([
      runExportWorker(workerDeps(kit, now)),
      runExportWorker(workerDeps(kit, now)),
    ]);
    t.is(one.failed + two.failed, 0);
    t.is(one.batches + two.batches, 18, 'every batch built once between the two workers');
    t.true(one.batches > 0 && two.batches > 0, `both workers took part (${one.batches}/${two.batches})`);
    const names = [...(await fileRows(kit, a.id)), ...(await fileRows(kit, b.id))].map((r) => r.filename);
    t.is(names.length, 8 + 12);
    t.is(new Set(names).size, names.length);
    t.is(one.files + two.files, names.length);
    for (const name of names) await t.notThrowsAsync(access(path.join(kit.blobDir, name)));
    const statuses = await kit.db.pool.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from export_batches group by status',
    );
    t.deepEqual(statuses.rows, [{ status: 'complete', n: 18 }]);
  } finally {
    await kit.destroy();
  }
});

test('a batch whose worker died is claimed again after its lease; the dead worker cannot complete it', async (t) => {
  const kit = await createExportKit();
  try {
    await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), { keyId: '310', now: hours(-1) });
    const config = await addConfig(kit);
    await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(0) })]);
    await scheduleBatches({
      ...exportRepositories(kit.db.pool, UNSEALED),
      logger: testLogger(),
      now: hours(3),
      truncateWindowSeconds: 3600,
      minWindowAgeSeconds: 3600,
      retentionSeconds: 14 * 86400,
    });
    const repo = new ExportBatchRepository(kit.db.pool);
    const dead = await repo.claim(60);
    t.truthy(dead);
    // While the lease holds, nobody else gets the batch.
    t.is((await runExportWorker(workerDeps(kit, hours(3)))).batches, 1); // the other window (02:00), empty
    t.is((await fileRows(kit, config.id)).length, 0);
    await kit.db.pool.query(
      `update export_batches set lease_expires_at = clock_timestamp() - interval '1 second' where id = $1`,
      [dead!.id],
    );
    const retried = await runExportWorker(workerDeps(kit, hours(3)));
    t.is(retried.batches, 1);
    t.is((await fileRows(kit, config.id)).length, 1);
    t.false(await repo.complete(dead!, []), 'the stale claim is refused');
    t.is((await fileRows(kit, config.id)).length, 1);
  } finally {
    await kit.destroy();
  }
});

test('rotation: during the overlap every file carries both signatures; afterwards only the new key signs', async (t) => {
  const kit = await createExportKit();
  try {
    const v1 = await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), {
      keyId: '310',
      now: hours(-10),
    });
    const rotated = await rotateSigningKey(kit.db.pool, UNSEALED, {
      keyId: '310',
      now: hours(-5),
      overlapSeconds: 6 * 3600,
    });
    t.is(rotated.key.version, 'v2');
    t.is(rotated.retiring, 1);
    const keys = await new SigningKeyRepository(kit.db.pool, UNSEALED).list();
    t.deepEqual(
      keys.map((k) => k.activeUntil?.toISOString() ?? null),
      [hours(1).toISOString(), null],
    );
    const config = await addConfig(kit);
    await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(0) })]);
    // Built at 02:30, after v1 retired (01:00): only v2 signs.
    await exportAt(kit, hours(2.5));
    const rows = await fileRows(kit, config.id);
    const late = await readExport(kit, rows[0]!.filename);
    t.deepEqual(
      late.signatures.map((s) => s.signatureInfo.verificationKeyVersion),
      ['v2'],
    );

    // The same batch rebuilt (same file name) with the clock inside the overlap: both keys sign, both
    // signatures verify, and export.bin lists the same signature infos.
    await kit.db.pool.query(`update export_batches set status = 'open'`);
    const during = await runExportWorker(workerDeps(kit, hours(0.5)));
    t.true(during.batches >= 1);
    const both = await readExport(kit, rows[0]!.filename);
    t.deepEqual(
      both.signatures.map((s) => s.signatureInfo.verificationKeyVersion),
      ['v1', 'v2'],
    );
    t.deepEqual(
      both.export.signatureInfos,
      both.signatures.map((s) => s.signatureInfo),
    );
    t.true(await opensslVerifies(both.bin, both.signatures[0]!.signature, v1.publicKeyPem));
    t.true(await opensslVerifies(both.bin, both.signatures[1]!.signature, rotated.key.publicKeyPem));
    t.false(await opensslVerifies(both.bin, both.signatures[0]!.signature, rotated.key.publicKeyPem));
  } finally {
    await kit.destroy();
  }
});

test('no active signing key: batches wait unclaimed', async (t) => {
  const kit = await createExportKit();
  try {
    await addConfig(kit);
    await insertKeys(kit.db.pool, [makeKey({ createdAt: hours(0) })]);
    const result = await exportAt(kit, hours(3));
    t.is(result.created, 2);
    t.is(result.batches, 0);
    const open = await kit.db.pool.query<{ n: number }>(
      `select count(*)::int as n from export_batches where status = 'open'`,
    );
    t.is(open.rows[0]!.n, 2);
  } finally {
    await kit.destroy();
  }
});

test('scheduling: only closed, period-aligned windows from the oldest key, never past thru', async (t) => {
  const kit = await createExportKit();
  try {
    await addConfig(kit, { root: 'q', periodSeconds: 900, fromTimestamp: hours(-48), thruTimestamp: hours(2) });
    await insertKeys(kit.db.pool, [makeKey({ createdAt: new Date(hours(0).getTime() + 20 * 60_000) })]);
    const at = (now: Date, minAge: number) =>
      scheduleBatches({
        ...exportRepositories(kit.db.pool, UNSEALED),
        logger: testLogger(),
        now,
        truncateWindowSeconds: 3600,
        minWindowAgeSeconds: minAge,
        retentionSeconds: 14 * 86400,
      });
    // 01:59 truncates to 01:00; minus 1 h → only windows ending by 00:00: none (the key is at 00:20).
    t.is(await at(new Date(hours(2).getTime() - 60_000), 3600), 0);
    // 02:10 → windows ending by 01:00: 00:15, 00:30, 00:45 (starting at the window of the oldest key).
    t.is(await at(new Date(hours(2).getTime() + 600_000), 3600), 3);
    // Much later: continues from the last window and stops before thru (02:00).
    t.is(await at(hours(30), 3600), 4);
    const windows = await kit.db.pool.query<{ s: Date; e: Date }>(
      'select start_at as s, end_at as e from export_batches order by start_at',
    );
    t.deepEqual(
      windows.rows.map((w) => (w.s.getTime() - hours(0).getTime()) / 60_000),
      [15, 30, 45, 60, 75, 90, 105],
    );
    t.true(windows.rows.every((w) => w.e.getTime() - w.s.getTime() === 900_000));
  } finally {
    await kit.destroy();
  }
});
