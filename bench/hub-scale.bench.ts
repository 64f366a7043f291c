/**
 * `npm run bench:hub-scale`: one full round of a hub pulling many upstreams. BENCH_MAX = max(BENCH_UPSTREAMS)
 * node databases (default sizes 10,25,50) are seeded once with BENCH_KEYS_PER_UPSTREAM distinct keys each
 * (default 20,000) and served by ONE child process (bench/support/upstream-servers.ts) hosting one production
 * federation-out listener per database. For each size N a real `enfed hub` child (ENFED_COMPONENTS=federation-in,
 * the production scheduler, BullMQ worker and pull concurrency) starts over an empty hub database with N
 * upstreams registered; the round runs from the first pull's start to the last pull's end (federation_in_runs).
 * Measured: wall time, keys/s, hub CPU seconds, hub peak RSS (VmHWM), the most PostgreSQL sessions the hub held,
 * and the CPU of its PostgreSQL backends. Then a second hub process pulls the same upstreams again, with nothing
 * new: the fixed cost per upstream (cold: each pull builds its client and shakes hands). Baseline in the same
 * run: COPY of the same N×K rows from the node databases into the same (emptied) hub table. Linearity: time(N) / (N/N₀ · time(N₀)) for the smallest N₀,
 * ≈ 1 when the cost grows with keys, > 1 when it grows with upstreams squared. BENCH_HUB_CPU_PROF=<dir> writes
 * the hub's --cpu-prof there. Ends with one JSON line. Not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { processCpuSeconds, processMemoryMb } from './support/proc-stats';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { migrate, openDatabase } from '../core/db/database';
import { deleteRedisPrefix } from '../core/jobs/redis';
import { intervalNumber, truncate } from '../core/keys/intervals';
import { createLogger } from '../core/logging/logger';
import { authorizePartner, generateTestCerts } from '../test/helpers/federation-certs';
import { addUpstream } from '../test/helpers/federation-harness';

const SIZES = (process.env.BENCH_UPSTREAMS ?? '10,25,50').split(',').map(Number);
const KEYS = Number(process.env.BENCH_KEYS_PER_UPSTREAM ?? 20_000);
/** Page size of the pulls: the hub's default FEDERATION_PULL_PAGE_SIZE unless BENCH_PAGE_SIZE says otherwise. */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5_000);
/** Keys every upstream also serves (as partner hubs re-serving the same nodes do): exercises the pool's dedup. */
const SHARED = Math.min(Number(process.env.BENCH_SHARED_KEYS ?? 0), KEYS);
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CPU_PROF = process.env.BENCH_HUB_CPU_PROF;
const MAX = Math.max(...SIZES);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const logger = createLogger({ level: 'warn', name: 'bench' });
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROBE = 'enfed-bench-probe';

function dbUrl(name: string): string {
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return url.toString();
}

const suffix = `${process.pid}`;
const templateName = `enfed_bench_hs_tpl_${suffix}`;
const nodeNames = Array.from({ length: MAX }, (_, i) => `enfed_bench_hs_node_${suffix}_${i + 1}`);
const hubName = (n: number) => `enfed_bench_hs_hub_${suffix}_${n}`;
const created: string[] = [];
const certs = await generateTestCerts(['node-a']);
const admin = new pg.Client({ connectionString: PG, application_name: PROBE });
await admin.connect();
let servers: ChildProcess | undefined;
let hub: ChildProcess | undefined;

/** An empty database with the schema, copied from the migrated template (much faster than migrating again). */
async function createFromTemplate(name: string): Promise<string> {
  await admin.query(`create database ${name} template ${templateName}`);
  created.push(name);
  return dbUrl(name);
}

try {
  let started = Date.now();
  const templateUrl = dbUrl(templateName);
  await ensureDatabase(templateUrl);
  created.push(templateName);
  const template = await openDatabase(templateUrl, logger, { poolSize: 1 });
  await migrate(template.orm);
  await template.close();

  // Each node: the hub authorized, KEYS distinct confirmed keys over ten closed hours (md5 of node and row).
  const hour = truncate(new Date(), 3600);
  for (const [index, name] of nodeNames.entries()) {
    const client = new pg.Client({ connectionString: await createFromTemplate(name), application_name: PROBE });
    await client.connect();
    try {
      await authorizePartner(client as unknown as pg.Pool, {
        name: 'hub',
        fingerprint: certs.fingerprint('hub'),
        include: ['CA'],
      });
      await client.query(
        `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
           report_type, days_since_onset, created_at, local_provenance)
         select decode(md5(case when i <= $5 then 'shared' else $4 end || ':' || i), 'hex'), 1 + i % 8, $2 - 144 * (1 + i % 12), 144, array['CA'], i % 50 = 0,
                'confirmed', i % 15 - 7, $3::timestamptz - (1 + i % 10) * interval '1 hour', true
         from generate_series(1, $1) as i`,
        [KEYS, intervalNumber(new Date()), hour, String(index), SHARED],
      );
      await client.query('vacuum analyze exposure_keys');
    } finally {
      await client.end();
    }
  }
  say(
    `seeded ${MAX} node databases × ${KEYS} keys (${SHARED} of them served by every upstream) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  servers = spawn(process.execPath, ['--import', 'tsx', 'bench/support/upstream-servers.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...certs.serverEnv('node-a'),
      BENCH_UPSTREAM_DATABASES: nodeNames.map(dbUrl).join(','),
      FEDERATION_MAX_PAGE_SIZE: String(PAGE),
    },
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: servers!.stdout! }).once('line', resolve);
    servers!.once('exit', (code) => reject(new Error(`upstream servers exited ${code}`)));
  });
  const addresses = (JSON.parse(firstLine) as { addresses: string[] }).addresses;
  say(`${addresses.length} upstream listeners in one process (pid ${servers.pid})`);

  interface Round {
    upstreams: number;
    keys: number;
    pooled: number;
    seconds: number;
    keysPerSecond: number;
    hubCpuSeconds: number;
    hubBackendCpuSeconds: number;
    upstreamCpuSeconds: number;
    peakRssMb: number;
    idleRssMb: number;
    maxHubConnections: number;
    maxUpstreamConnections: number;
    copySeconds: number;
    /** A second round with nothing new: the fixed cost of pulling an upstream. */
    emptyRoundSeconds: number;
    emptyHubCpuMsPerUpstream: number;
    emptyBackendCpuMsPerUpstream: number;
  }

  interface RoundRun {
    seconds: number;
    hubCpu: number;
    backendCpu: number;
    upstreamCpu: number;
    peakRssMb: number;
    idleRssMb: number;
    maxHub: number;
    maxUpstream: number;
  }
  /**
   * Starts a real `enfed hub` (federation-in only) with a fresh Redis prefix, so every upstream's schedule runs
   * once at start, and waits until the runs after `afterRunId` have all finished; then stops it.
   */
  async function runRound(
    n: number,
    hubUrl: string,
    setup: pg.Pool,
    prefix: string,
    afterRunId: number,
  ): Promise<RoundRun> {
    const hubStarted = Date.now();
    hub = spawn(
      process.execPath,
      [
        '--disable-warning=DEP0123',
        ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []),
        '--import',
        'tsx',
        'cli/enfed.ts',
        'hub',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          DATABASE_URL: hubUrl,
          REDIS_URL: REDIS,
          REDIS_PREFIX: prefix,
          HTTP_PORT: '0',
          ENFED_COMPONENTS: 'federation-in',
          FEDERATION_PULL_PAGE_SIZE: String(PAGE),
          LOG_LEVEL: 'warn',
        },
      },
    );
    const hubPid = hub.pid!;
    const upstreamCpu0 = processCpuSeconds(servers!.pid!);
    let hubCpuAtStart: number | undefined;
    let idleRssMb = 0;
    let maxHub = 0;
    let maxUpstream = 0;
    const backendCpu = new Map<number, number>();
    // CPU the hub's backends had used before the round (start-up queries), subtracted from the round's.
    const backendCpuBefore = new Map<number, number>();
    let progress = { finished: 0, failed: 0, seconds: 0 };
    for (;;) {
      if (hub.exitCode !== null) throw new Error(`hub exited ${hub.exitCode}`);
      // Client backends only: autovacuum workers on the hub database are not the hub's sessions.
      const activity = await admin.query<{ datname: string; pid: number }>(
        `select datname, pid from pg_stat_activity where (datname = $1 or datname like $2) and application_name <> $3
           and backend_type = 'client backend'`,
        [hubName(n), `enfed_bench_hs_node_${suffix}_%`, PROBE],
      );
      const hubBackends = activity.rows.filter((r) => r.datname === hubName(n));
      maxHub = Math.max(maxHub, hubBackends.length);
      maxUpstream = Math.max(maxUpstream, activity.rows.length - hubBackends.length);
      for (const { pid } of hubBackends)
        backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, processCpuSeconds(pid)));
      const runs = await setup.query<{ started: number; finished: number; failed: number; seconds: number }>(
        `select count(*)::int as started, count(finished_at)::int as finished, count(error)::int as failed,
           coalesce(extract(epoch from max(finished_at) - min(started_at)), 0)::float as seconds
         from federation_in_runs where id > $1`,
        [afterRunId],
      );
      const r = runs.rows[0]!;
      if (r.started > 0 && hubCpuAtStart === undefined) {
        hubCpuAtStart = processCpuSeconds(hubPid);
        for (const [pid, cpu] of backendCpu) backendCpuBefore.set(pid, cpu);
        idleRssMb = Math.round(processMemoryMb(hubPid, 'VmRSS'));
      }
      progress = { finished: r.finished, failed: r.failed, seconds: r.seconds };
      if (r.failed > 0) throw new Error(`${r.failed} pulls failed`);
      if (r.finished >= n) break;
      if (Date.now() - hubStarted > 600_000) throw new Error(`round of ${n} did not finish: ${JSON.stringify(r)}`);
      await sleep(100);
    }
    const hubCpu = processCpuSeconds(hubPid) - (hubCpuAtStart ?? 0);
    const peak = processMemoryMb(hubPid, 'VmHWM');
    const upstreamCpu = processCpuSeconds(servers!.pid!) - upstreamCpu0;
    const exited = new Promise((resolve) => hub!.once('exit', resolve));
    hub.kill('SIGTERM');
    await exited;
    hub = undefined;
    await deleteRedisPrefix(REDIS, prefix);
    return {
      seconds: progress.seconds,
      hubCpu,
      backendCpu: [...backendCpu].reduce((sum, [pid, cpu]) => sum + cpu - (backendCpuBefore.get(pid) ?? 0), 0),
      upstreamCpu,
      peakRssMb: peak,
      idleRssMb,
      maxHub,
      maxUpstream,
    };
  }

  const rounds: Round[] = [];
  const pulled = (n: number) => n * KEYS;
  for (const n of SIZES) {
    const hubUrl = await createFromTemplate(hubName(n));
    const setup = new pg.Pool({ connectionString: hubUrl, max: 1, application_name: PROBE });
    for (let i = 0; i < n; i += 1) {
      await addUpstream(setup, certs, {
        name: `node-${String(i + 1).padStart(3, '0')}`,
        address: addresses[i]!,
        certName: 'hub',
        include: ['CA'],
        intervalSeconds: 3600,
      });
    }
    const full = await runRound(n, hubUrl, setup, `enfed_bench_hs_${suffix}_${n}`, 0);
    // The same hub again with every cursor at the end: what each pull costs when there is nothing new.
    const lastRun = (await setup.query<{ id: number }>('select max(id)::int as id from federation_in_runs')).rows[0]!
      .id;
    const empty = await runRound(n, hubUrl, setup, `enfed_bench_hs_${suffix}_${n}_again`, lastRun);
    const stored = (await setup.query<{ n: number }>('select count(*)::int as n from exposure_keys')).rows[0]!.n;
    const expected = n * (KEYS - SHARED) + SHARED;
    if (stored !== expected) throw new Error(`hub holds ${stored} keys, expected ${expected}`);

    // Baseline: the same rows COPYed from each node database into the same hub table, emptied first.
    await setup.query('truncate exposure_keys cascade');
    const copyStarted = Date.now();
    const target = await setup.connect();
    try {
      for (const [index, name] of nodeNames.slice(0, n).entries()) {
        const source = new pg.Client({ connectionString: dbUrl(name), application_name: PROBE });
        await source.connect();
        // The shared keys once: the baseline stores exactly the rows the pool ends up with.
        const rows =
          index === 0 || SHARED === 0
            ? 'exposure_keys'
            : `(select * from exposure_keys where key not in
                 (select decode(md5('shared:' || i), 'hex') from generate_series(1, ${SHARED}) as i))`;
        try {
          await pipeline(
            source.query(copyTo(`copy ${rows} to stdout (format binary)`)),
            target.query(copyFrom('copy exposure_keys from stdin (format binary)')),
          );
        } finally {
          await source.end();
        }
      }
    } finally {
      target.release();
    }
    const copySeconds = (Date.now() - copyStarted) / 1000;
    await setup.end();
    await dropDatabase(hubUrl);

    const round: Round = {
      upstreams: n,
      keys: pulled(n),
      pooled: stored,
      seconds: Number(full.seconds.toFixed(2)),
      keysPerSecond: Math.round(pulled(n) / full.seconds),
      hubCpuSeconds: Number(full.hubCpu.toFixed(2)),
      hubBackendCpuSeconds: Number(full.backendCpu.toFixed(2)),
      upstreamCpuSeconds: Number(full.upstreamCpu.toFixed(2)),
      peakRssMb: full.peakRssMb,
      idleRssMb: full.idleRssMb,
      maxHubConnections: full.maxHub,
      maxUpstreamConnections: full.maxUpstream,
      emptyRoundSeconds: Number(empty.seconds.toFixed(2)),
      emptyHubCpuMsPerUpstream: Math.round((1000 * empty.hubCpu) / n),
      emptyBackendCpuMsPerUpstream: Math.round((1000 * empty.backendCpu) / n),
      copySeconds: Number(copySeconds.toFixed(2)),
    };
    rounds.push(round);
    say(
      `${n} upstreams × ${KEYS} keys: round ${round.seconds} s (${round.keysPerSecond} keys/s), hub CPU ${round.hubCpuSeconds} s, ` +
        `hub PostgreSQL backends ${round.hubBackendCpuSeconds} s CPU, upstream servers ${round.upstreamCpuSeconds} s CPU`,
    );
    say(
      `  hub peak RSS ${round.peakRssMb} MB (${round.idleRssMb} MB when the round began), hub connections at most ${round.maxHubConnections}, ` +
        `upstream connections at most ${round.maxUpstreamConnections}`,
    );
    say(
      `  nothing new (second round, a new hub process: TLS handshake per upstream): ${round.emptyRoundSeconds} s, hub CPU ${round.emptyHubCpuMsPerUpstream} ms and its PostgreSQL backends ` +
        `${round.emptyBackendCpuMsPerUpstream} ms per upstream`,
    );
    say(
      `  baseline: COPY of the same ${stored} rows ${round.copySeconds} s → the round takes ${(round.seconds / round.copySeconds).toFixed(1)}× the COPY`,
    );
  }

  const base = rounds[0]!;
  const linearity = rounds.map((r) => {
    const scale = r.upstreams / base.upstreams;
    return {
      upstreams: r.upstreams,
      time: Number((r.seconds / (scale * base.seconds)).toFixed(2)),
      hubCpu: Number((r.hubCpuSeconds / (scale * base.hubCpuSeconds)).toFixed(2)),
      backendCpu: Number((r.hubBackendCpuSeconds / (scale * base.hubBackendCpuSeconds)).toFixed(2)),
      copy: Number((r.copySeconds / (scale * base.copySeconds)).toFixed(2)),
    };
  });
  for (const l of linearity.slice(1)) {
    say(
      `linearity ${l.upstreams} vs ${base.upstreams} upstreams (1 = linear in keys): round time ${l.time}, hub CPU ${l.hubCpu}, hub PostgreSQL CPU ${l.backendCpu}, COPY baseline ${l.copy}`,
    );
  }
  say(
    JSON.stringify({
      bench: 'hub-scale',
      keysPerUpstream: KEYS,
      sharedKeys: SHARED,
      pageSize: PAGE,
      rounds,
      linearity,
    }),
  );
} finally {
  if (hub) hub.kill('SIGKILL');
  if (servers) {
    servers.stdin?.end();
    servers.kill('SIGTERM');
  }
  await admin.end().catch(() => undefined);
  await sleep(500);
  for (const name of created.reverse()) await dropDatabase(dbUrl(name)).catch(() => undefined);
  await certs.destroy();
}
