/**
 * `npm run bench:federation`: a node database holding BENCH_KEYS keys (default 1,000,000), served by a real
 * `enfed node` child process (federation-out only, FEDERATION_MAX_PAGE_SIZE=BENCH_PAGE_SIZE, default 10000);
 * this process plays the hub and pulls everything over mTLS gRPC into its own database with the production
 * pull code. Then, as the ceiling, a plain COPY of the same rows from the node database into the same hub table
 * (same indexes, emptied first). Prints figures and ends with one JSON line. Not a test.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../test/helpers/ports';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { migrate, openDatabase } from '../core/db/database';
import { intervalNumber, truncate } from '../core/keys/intervals';
import { createLogger } from '../core/logging/logger';
import { pullUpstream } from '../hub/sources/federation/pull-upstream';
import { KeyPool } from '../hub/pool/key-pool';
import { UpstreamClients } from '../hub/sources/federation/upstream-clients';
import { authorizePartner, generateTestCerts } from '../test/helpers/federation-certs';
import { addUpstream } from '../test/helpers/federation-harness';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 10_000);
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ level: 'warn', name: 'bench' });
const say = (text: string) => process.stdout.write(`${text}\n`);
const mb = (bytes: number) => Math.round(bytes / 1048576);

function dbUrl(name: string): string {
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return url.toString();
}

const suffix = `${process.pid}`;
const nodeUrl = dbUrl(`enfed_bench_fed_node_${suffix}`);
const hubUrl = dbUrl(`enfed_bench_fed_hub_${suffix}`);
const certs = await generateTestCerts(['node-a']);
await Promise.all([ensureDatabase(nodeUrl), ensureDatabase(hubUrl)]);
const nodeDb = await openDatabase(nodeUrl, logger, { poolSize: 2 });
const hubDb = await openDatabase(hubUrl, logger, { poolSize: 4 });
let child: ReturnType<typeof spawn> | undefined;
try {
  await migrate(nodeDb.orm);
  await migrate(hubDb.orm);

  // Seed the node in SQL: 1M valid confirmed keys over ten closed hours, md5 gives 16 distinct bytes per row.
  let started = Date.now();
  const hour = truncate(new Date(), 3600);
  await nodeDb.pool.query(
    `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
       report_type, days_since_onset, created_at, local_provenance)
     select decode(md5(i::text), 'hex'), 1 + i % 8, $2 - 144 * (1 + i % 12), 144, array['CA'], i % 50 = 0,
            'confirmed', i % 15 - 7, $3::timestamptz - (1 + i % 10) * interval '1 hour', true
     from generate_series(1, $1) as i`,
    [KEYS, intervalNumber(new Date()), hour],
  );
  await nodeDb.pool.query('vacuum analyze exposure_keys');
  say(`seeded ${KEYS} keys at the node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await authorizePartner(nodeDb.pool, { name: 'hub', fingerprint: certs.fingerprint('hub'), include: ['CA'] });

  const grpcPort = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'cli/enfed.ts', 'node'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...certs.serverEnv('node-a'),
      GRPC_PORT: String(grpcPort),
      DATABASE_URL: nodeUrl,
      HTTP_PORT: '0',
      ENFED_COMPONENTS: 'federation-out',
      FEDERATION_MAX_PAGE_SIZE: String(PAGE),
      REDIS_PREFIX: `enfed_bench_${suffix}`,
      LOG_LEVEL: 'warn',
    },
  });
  const queryId = await addUpstream(hubDb.pool, certs, {
    name: 'node-a',
    address: `127.0.0.1:${grpcPort}`,
    certName: 'hub',
    include: ['CA'],
  });
  const clients = new UpstreamClients();
  const deps = {
    db: hubDb.pool,
    keyPool: new KeyPool({ acceptSelfReport: false }),
    clients,
    logger,
    now: () => new Date(),
    truncateWindowSeconds: 3600,
    pageSize: PAGE,
    deadlineSeconds: 60,
    backoffBaseSeconds: 1,
    backoffMaxSeconds: 1,
  };
  // Wait for the node to listen: probe with a one-key page (not stored).
  const probe = certs.client(`127.0.0.1:${grpcPort}`, 'hub');
  for (let tries = 0; ; tries += 1) {
    try {
      await probe.fetch({ includeRegions: ['CA'], maxExposureKeys: 1 }, 2000);
      break;
    } catch (err) {
      if (tries > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  probe.close();

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const marks: string[] = [];
  started = Date.now();
  const outcome = await pullUpstream(deps, queryId, {
    onPage: (counts) => {
      if (counts.pages % Math.max(1, Math.round(KEYS / PAGE / 4)) === 0) {
        marks.push(`${counts.inserted} keys: rss ${mb(process.memoryUsage().rss)} MB`);
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  clients.close();
  if (outcome.status !== 'done')
    throw new Error(`pull ended ${outcome.status}: ${'error' in outcome ? outcome.error : ''}`);
  const stored = (await hubDb.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
  const keysPerSecond = Math.round(outcome.counts.inserted / seconds);
  say(
    `pulled ${outcome.counts.received} keys in ${outcome.counts.pages} pages of up to ${PAGE}: ${seconds.toFixed(1)} s`,
  );
  say(
    `  inserted ${outcome.counts.inserted}, duplicates ${outcome.counts.duplicates}, invalid ${outcome.counts.invalid}; hub holds ${stored}`,
  );
  say(
    `  ${keysPerSecond} keys/s, ${(outcome.counts.pages / seconds).toFixed(1)} pages/s, hub peak RSS ${mb(peakRss)} MB`,
  );
  for (const mark of marks) say(`  rss at ${mark}`);

  // The ceiling: the same rows COPYed from the node database into the same (emptied) hub table.
  await hubDb.pool.query('truncate exposure_keys');
  const source = await nodeDb.pool.connect();
  const target = await hubDb.pool.connect();
  started = Date.now();
  try {
    await pipeline(
      source.query(copyTo('copy exposure_keys to stdout (format binary)')),
      target.query(copyFrom('copy exposure_keys from stdin (format binary)')),
    );
  } finally {
    source.release();
    target.release();
  }
  const copySeconds = (Date.now() - started) / 1000;
  const copyRowsPerSecond = Math.round(KEYS / copySeconds);
  say(`COPY of the same ${KEYS} rows into the same table: ${copySeconds.toFixed(1)} s, ${copyRowsPerSecond} rows/s`);
  say(`federation pull reaches ${((100 * keysPerSecond) / copyRowsPerSecond).toFixed(0)}% of the COPY ceiling`);
  say(
    JSON.stringify({
      bench: 'federation',
      keys: outcome.counts.inserted,
      seconds: Number(seconds.toFixed(1)),
      keysPerSecond,
      pagesPerSecond: Number((outcome.counts.pages / seconds).toFixed(1)),
      copyRowsPerSecond,
      peakRssMb: mb(peakRss),
    }),
  );
} finally {
  child?.kill('SIGTERM');
  await Promise.allSettled([nodeDb.close(), hubDb.close()]);
  await Promise.allSettled([dropDatabase(nodeUrl), dropDatabase(hubUrl)]);
  await certs.destroy();
}
