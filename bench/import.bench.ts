/**
 * `npm run bench:import`: one export file of BENCH_KEYS keys (default 500,000), made by a child process with the
 * project's own export encoders and served from disk by a local HTTP server, imported into an empty hub pool with
 * the production import run (download, inflate, verify, header, keys page by page into the key pool with COPY,
 * ledger). Then, as the ceiling, a plain COPY of the same rows into an identical table (same columns, same
 * indexes). Prints figures and ends with one JSON line. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { migrate, openDatabase } from '../core/db/database';
import { createLogger } from '../core/logging/logger';
import { KeyPool } from '../hub/pool/key-pool';
import { ImportPublicKeyRepository } from '../hub/sources/imports/import-public-keys.repository';
import { importConfig } from '../hub/sources/imports/import.config';
import { ImportRepository } from '../hub/sources/imports/imports.repository';
import { runImport } from '../hub/sources/imports/run-import';
import { postgresCpuMeter } from './postgres-cpu';

const KEYS = Number(process.env.BENCH_KEYS ?? 500_000);
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? importConfig.shape.IMPORT_PAGE_SIZE.parse(undefined));
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIB = 1024 * 1024;
const logger = createLogger({ level: 'warn', name: 'bench' });
const say = (text: string) => process.stdout.write(`${text}\n`);
const mb = (bytes: number) => Math.round(bytes / MIB);

const url = new URL(PG);
url.pathname = `/enfed_bench_import_${process.pid}`;
const hubUrl = url.toString();
const dir = await mkdtemp(path.join(tmpdir(), 'enfed-bench-import-'));
const zipPath = path.join(dir, 'export.zip');
const pemPath = path.join(dir, 'signing.pub.pem');

let started = Date.now();
const made = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import-file.ts', zipPath, String(KEYS), pemPath], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (made.status !== 0) throw new Error('making the export file failed');
const zipBytes = statSync(zipPath).size;
say(
  `made one export file of ${KEYS} keys (${mb(zipBytes)} MiB zip) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

// The remote server: index.txt and the zip, streamed from disk.
const server = createServer((req, res) => {
  if (req.url === '/exports/index.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end('b/export.zip\n');
  else if (req.url === '/exports/b/export.zip') {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zipBytes });
    createReadStream(zipPath).pipe(res);
  } else res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exports`;

await ensureDatabase(hubUrl);
const hubDb = await openDatabase(hubUrl, logger, { poolSize: 4 });
try {
  await migrate(hubDb.orm);
  const imp = await new ImportRepository(hubDb.pool).add({
    name: 'bench',
    indexUrl: `${base}/index.txt`,
    exportRootUrl: `${base}/`,
    region: 'US-WA',
    traveler: false,
    backfillReportType: 'confirmed',
    backfillDaysSinceOnset: 10,
    intervalSeconds: 300,
    enabled: true,
  });
  await new ImportPublicKeyRepository(hubDb.pool).add({
    importId: imp.id,
    keyId: '310',
    keyVersion: 'v1',
    publicKeyPem: await readFile(pemPath, 'utf8'),
    validFrom: new Date(Date.now() - 3600_000),
    validUntil: null,
  });

  const baselineRss = process.memoryUsage().rss;
  say(`importer RSS before the run: ${mb(baselineRss)} MB`);
  let peakRss = baselineRss;
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) [peakRss, atPeak] = [m.rss, m];
  }, 20);
  const dbName = url.pathname.slice(1);
  const cpuStart = process.cpuUsage();
  const pgCpu = await postgresCpuMeter(hubDb.pool, dbName);
  started = Date.now();
  const outcome = await runImport(
    {
      db: hubDb.pool,
      keyPool: new KeyPool({ acceptSelfReport: false }),
      logger,
      now: () => new Date(),
      truncateWindowSeconds: 3600,
      pageSize: PAGE,
      indexMaxBytes: MIB,
      limits: { maxBytes: 20 * MIB, maxInflatedBytes: 64 * MIB },
      downloadTimeoutSeconds: 120,
      backoffBaseSeconds: 60,
      backoffMaxSeconds: 3600,
    },
    imp.id,
  );
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const importerCpu = (cpu.user + cpu.system) / 1e6;
  const importPgCpu = await pgCpu();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (outcome.status !== 'done') throw new Error(`import ended ${outcome.status}: ${JSON.stringify(outcome)}`);
  const stored = (await hubDb.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
  const keysPerSecond = Math.round(outcome.counts.inserted / seconds);
  say(`imported ${outcome.counts.received} keys from one ${mb(zipBytes)} MiB file in ${seconds.toFixed(1)} s`);
  say(
    `  inserted ${outcome.counts.inserted}, duplicates ${outcome.counts.duplicates}, invalid ${outcome.counts.invalid}; pool holds ${stored}`,
  );
  say(`  ${keysPerSecond} keys/s, importer peak RSS ${mb(peakRss)} MB (sampled every 20 ms during the run)`);
  say(`  CPU s: importer ${importerCpu.toFixed(1)}, PostgreSQL ${importPgCpu.toFixed(1)}`);
  say(
    `  at the peak: heap used ${mb(atPeak.heapUsed)} of ${mb(atPeak.heapTotal)} MB, buffers ${mb(atPeak.arrayBuffers)} MB`,
  );

  // The ceiling: the same rows COPYed into an identical table (same columns and indexes), in the same database.
  await hubDb.pool.query('create table exposure_keys_ceiling (like exposure_keys including all)');
  const source = await hubDb.pool.connect();
  const target = await hubDb.pool.connect();
  const copyPgCpu = await postgresCpuMeter(hubDb.pool, dbName);
  started = Date.now();
  try {
    await pipeline(
      source.query(copyTo('copy exposure_keys to stdout (format binary)')),
      target.query(copyFrom('copy exposure_keys_ceiling from stdin (format binary)')),
    );
  } finally {
    source.release();
    target.release();
  }
  const copySeconds = (Date.now() - started) / 1000;
  const ceilingPgCpu = await copyPgCpu();
  const copyRowsPerSecond = Math.round(stored / copySeconds);
  const ratio = keysPerSecond / copyRowsPerSecond;
  say(
    `COPY of the same ${stored} rows into an identical table: ${copySeconds.toFixed(1)} s, ${copyRowsPerSecond} rows/s`,
  );
  say(`  CPU s: PostgreSQL ${ceilingPgCpu.toFixed(1)}`);
  say(`import reaches ${(100 * ratio).toFixed(0)}% of the COPY ceiling (target ≥ 80%); peak RSS target < 256 MB`);
  say(
    JSON.stringify({
      bench: 'import',
      keys: outcome.counts.inserted,
      zipMiB: Number((zipBytes / MIB).toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
      keysPerSecond,
      copyRowsPerSecond,
      ratio: Number(ratio.toFixed(2)),
      peakRssMb: mb(peakRss),
      baselineRssMb: mb(baselineRss),
      cpuSeconds: { importer: Number(importerCpu.toFixed(1)), postgres: Number(importPgCpu.toFixed(1)) },
      copyPgCpuSeconds: Number(ceilingPgCpu.toFixed(1)),
    }),
  );
} finally {
  server.closeAllConnections();
  server.close();
  await hubDb.close().catch(() => undefined);
  await dropDatabase(hubUrl).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
