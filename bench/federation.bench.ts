/**
 * `npm run bench:federation`: a node database holding BENCH_KEYS keys (default 1,000,000), served by a real
 * `enfed node` child process (federation-out only, FEDERATION_MAX_PAGE_SIZE=BENCH_PAGE_SIZE, default 5000 like
 * the hub's FEDERATION_PULL_PAGE_SIZE); this process plays the hub and pulls everything over mTLS gRPC into its own database with the production
 * pull code. As the ceiling, a plain COPY of the same rows from the node database into the same hub table (same
 * indexes, emptied first; in the order the node serves them, with the values the pull stores), run once before
 * and once after the pull. Prints figures and ends with one JSON line. Not a test.
 *
 * CPU seconds are printed per party (this process, the node child, each database's backends) because wall time
 * is noisy on a shared machine. BENCH_NODE_CPU_PROF=<dir> starts the node child with --cpu-prof into <dir> (profile
 * this process with `node --cpu-prof --import tsx bench/federation.bench.ts`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../test/helpers/ports';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { migrate, openDatabase } from '../core/db/database';
import { intervalNumber, truncate } from '../core/keys/intervals';
import type { FederationFetchRequest } from '../core/federation/federation.proto';
import { createLogger } from '../core/logging/logger';
import { pullUpstream } from '../hub/sources/federation/pull-upstream';
import { KeyPool } from '../hub/pool/key-pool';
import { UpstreamClients } from '../hub/sources/federation/upstream-clients';
import { authorizePartner, generateTestCerts } from '../test/helpers/federation-certs';
import { addUpstream } from '../test/helpers/federation-harness';
import { postgresCpuMeter } from './postgres-cpu';
import { processCpuSeconds } from './support/proc-stats';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
/** Page size of the pulls: the hub's default FEDERATION_PULL_PAGE_SIZE unless BENCH_PAGE_SIZE says otherwise. */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5_000);
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ level: 'warn', name: 'bench' });
const say = (text: string) => process.stdout.write(`${text}\n`);
const mb = (bytes: number) => Math.round(bytes / 1048576);
const NODE_CPU_PROF = process.env.BENCH_NODE_CPU_PROF;

/** The server's WAL position in bytes: the difference over a phase is the WAL it wrote (other users' included). */
async function walBytes(pool: import('pg').Pool): Promise<number> {
  const { rows } = await pool.query(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as b`);
  return rows[0].b as number;
}
const ownCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

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
  // Rows are written hour by hour, as a node stores keys as they arrive (random key order within an hour); spread
  // round-robin over the whole heap, every 10,000-key page read 8,500 random heap pages (EXPLAIN ANALYZE).
  let started = Date.now();
  // Five minutes back: in the first minute of an hour (FEDERATION_CLOSE_GRACE) the last hour is not yet served, and
  // a run started then pulled 900,000 keys.
  const hour = truncate(new Date(Date.now() - 5 * 60_000), 3600);
  await nodeDb.pool.query(
    `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
       report_type, days_since_onset, created_at, local_provenance)
     select decode(md5(i::text), 'hex'), 1 + i % 8, $2 - 144 * (1 + i % 12), 144, array['CA'], i % 50 = 0,
            'confirmed', i % 15 - 7, $3::timestamptz - (1 + i % 10) * interval '1 hour', true
     from generate_series(1, $1) as i
     order by 1 + i % 10 desc`,
    [KEYS, intervalNumber(new Date()), hour],
  );
  await nodeDb.pool.query('vacuum analyze exposure_keys');
  say(`seeded ${KEYS} keys at the node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await authorizePartner(nodeDb.pool, { name: 'hub', fingerprint: certs.fingerprint('hub'), include: ['CA'] });

  const grpcPort = await freePort();
  const profile = NODE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${NODE_CPU_PROF}`] : [];
  child = spawn(process.execPath, [...profile, '--import', 'tsx', 'cli/enfed.ts', 'node'], {
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

  // The ceiling: the same rows COPYed from the node database into the same (emptied) hub table, measured before
  // and after the pull (other work on a shared machine changes the pace; the mean of both is the figure).
  // The rows as the pull stores them (the target shape): in the order the node serves them, stamped with the
  // hub's arrival window and origin. Copying the node's own created_at instead gave the hub's (created_at, key)
  // index ten hour-sized hot spots where the pull has one table-wide one: a ceiling twice as fast, unreachable
  // by any puller, because it wrote a different index.
  const arrival = truncate(new Date(), 3600).toISOString();
  const CEILING_COLUMNS = `key, transmission_risk, interval_number, interval_count, regions, traveler, report_type,
    days_since_onset, created_at, local_provenance, origin_query_id`;
  const CEILING_OUT = `copy (select key, transmission_risk, interval_number, interval_count, regions, traveler,
      report_type, days_since_onset, timestamptz '${arrival}', true, ${queryId}::integer
    from exposure_keys order by created_at, key) to stdout (format binary)`;
  const copyCeiling = async () => {
    const source = await nodeDb.pool.connect();
    const target = await hubDb.pool.connect();
    const wal = await walBytes(hubDb.pool);
    const cpu = [await postgresCpuMeter(hubDb.pool, nodeDbName), await postgresCpuMeter(hubDb.pool, hubDbName)];
    const t0 = Date.now();
    try {
      await pipeline(
        source.query(copyTo(CEILING_OUT)),
        target.query(copyFrom(`copy exposure_keys (${CEILING_COLUMNS}) from stdin (format binary)`)),
      );
    } finally {
      source.release();
      target.release();
    }
    const seconds = (Date.now() - t0) / 1000;
    return { seconds, pgCpu: (await cpu[0]!()) + (await cpu[1]!()), wal: (await walBytes(hubDb.pool)) - wal };
  };
  const nodeDbName = new URL(nodeUrl).pathname.slice(1);
  const hubDbName = new URL(hubUrl).pathname.slice(1);
  const before = await copyCeiling();
  await hubDb.pool.query('truncate exposure_keys');

  const memory = process.memoryUsage();
  say(`hub RSS before the pull: ${mb(memory.rss)} MB (heap ${mb(memory.heapUsed)}/${mb(memory.heapTotal)} MB)`);
  let peakRss = memory.rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const marks: string[] = [];
  const cpuBefore = {
    hub: ownCpuSeconds(),
    node: processCpuSeconds(child.pid),
    nodePg: await postgresCpuMeter(hubDb.pool, nodeDbName),
    hubPg: await postgresCpuMeter(hubDb.pool, hubDbName),
  };
  const walBefore = await walBytes(hubDb.pool);
  started = Date.now();
  const outcome = await pullUpstream(deps, queryId, {
    onPage: (counts) => {
      if (counts.pages % Math.max(1, Math.round(KEYS / PAGE / 4)) === 0) {
        const m = process.memoryUsage();
        marks.push(
          `${counts.inserted} keys: rss ${mb(m.rss)} MB (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, buffers ${mb(m.arrayBuffers)})`,
        );
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const pullCpu = {
    hub: ownCpuSeconds() - cpuBefore.hub,
    node: processCpuSeconds(child.pid) - cpuBefore.node,
    nodePg: await cpuBefore.nodePg(),
    hubPg: await cpuBefore.hubPg(),
  };
  const pullWal = (await walBytes(hubDb.pool)) - walBefore;
  // The fetch round trips alone, nothing stored: each request needs the previous page's cursor, so this is the
  // pull's floor whatever storing costs. Measured after the pull, so that its garbage is not in the pull's RSS.
  let fetchOnlySeconds = 0;
  {
    const fetcher = certs.client(`127.0.0.1:${grpcPort}`, 'hub');
    let state: FederationFetchRequest['state'] = null;
    const fetchStarted = Date.now();
    for (let more = true; more; ) {
      const page = await fetcher.fetch({ includeRegions: ['CA'], maxExposureKeys: PAGE, state }, 60_000);
      state = page.nextFetchState;
      more = page.partialResponse;
    }
    fetchOnlySeconds = (Date.now() - fetchStarted) / 1000;
    fetcher.close();
  }
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
  say(`  WAL written (whole server, so other users' too): ${mb(pullWal)} MB`);
  say(
    `  the fetch round trips alone, after the pull (nothing stored): ${fetchOnlySeconds.toFixed(1)} s, ` +
      `${((1000 * fetchOnlySeconds) / outcome.counts.pages).toFixed(1)} ms per page`,
  );
  for (const mark of marks) say(`  rss at ${mark}`);
  say(
    `  CPU s: hub process ${pullCpu.hub.toFixed(1)}, node process ${pullCpu.node.toFixed(1)}, ` +
      `node PostgreSQL ${pullCpu.nodePg.toFixed(1)}, hub PostgreSQL ${pullCpu.hubPg.toFixed(1)}`,
  );

  await hubDb.pool.query('truncate exposure_keys');
  const after = await copyCeiling();
  const copySeconds = (before.seconds + after.seconds) / 2;
  const copyPgCpu = (before.pgCpu + after.pgCpu) / 2;
  const copyRowsPerSecond = Math.round(KEYS / copySeconds);
  for (const [when, c] of [
    ['before', before],
    ['after', after],
  ] as const) {
    say(
      `COPY of the same ${KEYS} rows into the same table, ${when} the pull: ${c.seconds.toFixed(1)} s, ` +
        `PostgreSQL CPU ${c.pgCpu.toFixed(1)} s (both databases), WAL ${mb(c.wal)} MB`,
    );
  }
  say(`  ceiling (mean of the two): ${copySeconds.toFixed(1)} s, ${copyRowsPerSecond} rows/s`);
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
      fetchOnlySeconds: Number(fetchOnlySeconds.toFixed(1)),
      copySeconds: Number(copySeconds.toFixed(1)),
      copySecondsBeforeAfter: [Number(before.seconds.toFixed(1)), Number(after.seconds.toFixed(1))],
      ratio: Number((keysPerSecond / copyRowsPerSecond).toFixed(2)),
      cpuSeconds: Object.fromEntries(Object.entries(pullCpu).map(([k, v]) => [k, Number(v.toFixed(1))])),
      copyPgCpuSeconds: Number(copyPgCpu.toFixed(1)),
    }),
  );
} finally {
  if (child && child.exitCode === null) {
    // Wait for the node to exit, so that its --cpu-prof file is written and nothing outlives the bench.
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  await Promise.allSettled([nodeDb.close(), hubDb.close()]);
  await Promise.allSettled([dropDatabase(nodeUrl), dropDatabase(hubUrl)]);
  await certs.destroy();
}
