/**
 * `npm run bench:export`: 1,000,000 keys in one export window of a throwaway database, exported end to end
 * (batch scheduling, database read, encoding, signing, zips on disk) by the real scheduler and worker.
 * Prints keys/s and peak RSS, then one JSON line. BENCH_KEYS changes the count.
 */
import { UNSEALED } from '../core/secrets/secret-sealer';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { SigningKeyRepository } from '../core/signing/signing-key.repository';
import { exportRepositories } from '../core/export/batches/export-repositories';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { migrate, openDatabase } from '../core/db/database';
import { FileBlobStore } from '../core/blob-store/file-blob-store';
import { ExportConfigRepository } from '../core/export/configs/export-config.repository';
import { runExportWorker } from '../core/export/batches/run-export-worker';
import { scheduleBatches } from '../core/export/batches/schedule-batches';
import { createLogger } from '../core/logging/logger';
import { createSigningKey } from '../core/signing/signing-keys';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WINDOW_START = new Date('2025-09-18T00:00:00Z');
const WINDOW_END = new Date('2025-09-18T01:00:00Z');

function vmHwmMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

async function main(): Promise<void> {
  const url = new URL(PG);
  url.pathname = `/enfed_bench_export_${process.pid}`;
  const dbUrl = url.toString();
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench' });
  const blobDir = await mkdtemp(path.join(tmpdir(), 'enfed-bench-export-'));
  await ensureDatabase(dbUrl);
  const db = await openDatabase(dbUrl, logger, { poolSize: 4 });
  try {
    await migrate(db.orm);
    let started = Date.now();
    // Seeded in SQL: 16 pseudo-random bytes per key (md5), realistic metadata, all in one window.
    await db.pool.query(
      `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
         report_type, days_since_onset, created_at, local_provenance)
       select decode(md5(i::text || 'enfed'), 'hex'), 1 + i % 8, 2929000 + i % 2016,
              case when i % 10 = 0 then 100 else 144 end, array['CA'], i % 50 = 0,
              (array['confirmed', 'likely', 'user-report', ''])[1 + i % 4], case when i % 7 = 0 then null else i % 29 - 14 end,
              $2::timestamptz + make_interval(secs => i % 3600), true
       from generate_series(1, $1::int) as i`,
      [KEYS, WINDOW_START],
    );
    await db.pool.query('vacuum analyze exposure_keys');
    process.stdout.write(`seeded ${KEYS} keys in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    await new ExportConfigRepository(db.pool).insert({
      root: 'ca',
      outputRegion: 'CA',
      inputRegions: ['CA'],
      excludeRegions: [],
      includeTravelers: true,
      onlyTravelers: false,
      periodSeconds: 3600,
      maxRecordsPerFile: 500_000,
      fromTimestamp: WINDOW_START,
      thruTimestamp: null,
    });
    await createSigningKey(new SigningKeyRepository(db.pool, UNSEALED), { keyId: '310', now: WINDOW_START });
    // Exactly one closed window: now = window end + truncation + minimum age.
    const now = new Date(WINDOW_END.getTime() + 2 * 3600_000 - 1);

    const baseline = process.memoryUsage().rss;
    let peakRss = baseline;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    started = Date.now();
    const created = await scheduleBatches({
      ...exportRepositories(db.pool, UNSEALED),
      logger,
      now,
      truncateWindowSeconds: 3600,
      minWindowAgeSeconds: 3600,
      retentionSeconds: 14 * 86400,
    });
    const result = await runExportWorker({
      ...exportRepositories(db.pool, UNSEALED),
      pool: db.pool,
      blobs: new FileBlobStore(blobDir),
      logger,
      now: () => now,
      leaseSeconds: 600,
      settings: {
        minRecords: 1000,
        paddingRange: 100,
        compressionLevel: Number(process.env.EXPORT_COMPRESSION_LEVEL ?? 1),
      },
    });
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (created !== 1 || result.batches !== 1 || result.failed !== 0)
      throw new Error(`unexpected run: ${JSON.stringify({ created, ...result })}`);

    const files = (await readdir(path.join(blobDir, 'ca'))).filter((f) => f.endsWith('.zip'));
    const bytes = (await Promise.all(files.map((f) => stat(path.join(blobDir, 'ca', f))))).reduce(
      (n, s) => n + s.size,
      0,
    );
    const peakRssMb = Math.round(peakRss / 1048576);
    const keysPerSecond = Math.round(KEYS / seconds);
    process.stdout.write(
      `exported ${KEYS} keys into ${files.length} signed zips (${(bytes / 1048576).toFixed(1)} MB) in ${seconds.toFixed(2)} s: ` +
        `${keysPerSecond} keys/s; peak RSS ${peakRssMb} MB during export (baseline ${Math.round(baseline / 1048576)} MB, process VmHWM ${vmHwmMb()} MB)\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'export', keys: KEYS, seconds: Number(seconds.toFixed(2)), keysPerSecond, peakRssMb })}\n`,
    );
  } finally {
    await db.close();
    await dropDatabase(dbUrl);
    await rm(blobDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:export failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
