/**
 * `npm run bench:publish`: sustained publishes per second of 14-key requests with certificate verification.
 *
 * The parent starts a node in this process (own throwaway database and Redis prefix, real health authority
 * and app), then forks this same file as the load generator (a separate process, so that signing requests
 * and measuring latency do not steal the node's event loop). The load generator signs a real ES256
 * certificate per request with 14 distinct random keys (before the clock starts), drives CONCURRENCY keep-alive connections for
 * SECONDS after a short warm-up, and reports latencies. Ends with one JSON line.
 *
 * Settings (env): BENCH_SECONDS (default 30), BENCH_CONCURRENCY (default 16), BENCH_WARMUP_SECONDS (3),
 * BENCH_PRESIGNED (requests signed before the clock starts; default 1,500 per second of run).
 */
import { fork } from 'node:child_process';
import { createHmac, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { postgresCpuSeconds } from './postgres-cpu';
import { runClosedLoop, type LatencyReport } from './support/closed-loop';
import { deleteRedisPrefix } from '../core/jobs/redis';
import { createLogger } from '../core/logging/logger';
import { intervalNumber } from '../core/keys/intervals';
import { startNode } from '../node/main';
import { parseNodeConfig } from '../node/node.config';
import { AuthorizedAppRepository } from '../node/publish/apps/authorized-app.repository';
import { HealthAuthorityRepository } from '../node/publish/authorities/health-authority.repository';
import { importHealthAuthorityKey } from '../node/publish/authorities/public-key';

const KEYS_PER_REQUEST = 14;
const APP = 'bench.publish.app';
const ISS = 'bench-ha';
const AUD = 'bench-node';
const KID = 'v1';

interface LoadPlan {
  url: string;
  privateKeyPem: string;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  presigned: number;
}

// ---------------------------------------------------------------- load generator (child process)

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function makeBody(signingKey: KeyObject): string {
  const now = new Date();
  const today = Math.floor(intervalNumber(now) / 144) * 144;
  const keys = Array.from({ length: KEYS_PER_REQUEST }, (_, i) => ({
    key: randomBytes(16).toString('base64'),
    rollingStartNumber: today - (i + 1) * 144,
    rollingPeriod: 144,
    transmissionRisk: 0,
  }));
  const hmacKey = randomBytes(32);
  const text = [...keys]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) => `${k.key}.${k.rollingStartNumber}.${k.rollingPeriod}.${k.transmissionRisk}`)
    .join(',');
  const t = Math.floor(now.getTime() / 1000);
  const claims = {
    iss: ISS,
    aud: AUD,
    iat: t,
    nbf: t,
    exp: t + 900,
    reportType: 'confirmed',
    tekmac: createHmac('sha256', hmacKey).update(text).digest('base64'),
  };
  const input = `${b64url({ alg: 'ES256', kid: KID, typ: 'JWT' })}.${b64url(claims)}`;
  const sig = sign('sha256', Buffer.from(input), { key: signingKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return JSON.stringify({
    temporaryExposureKeys: keys,
    healthAuthorityID: APP,
    verificationPayload: `${input}.${sig}`,
    hmacKey: hmacKey.toString('base64'),
    padding: randomBytes(300).toString('base64'),
  });
}

function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/v1/publish',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runLoad(plan: LoadPlan): Promise<LatencyReport> {
  const url = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  // Requests are signed before the clock starts (each with its own certificate and 14 fresh keys), so
  // that the load generator's signing does not compete with the node for the two cores; if the node is
  // faster than planned, the rest are signed on the fly.
  const signingKey = createPrivateKey(plan.privateKeyPem);
  const ready: string[] = Array.from({ length: plan.presigned }, () => makeBody(signingKey));
  const report = await runClosedLoop({
    concurrency: plan.concurrency,
    seconds: plan.seconds,
    warmupSeconds: plan.warmupSeconds,
    next: () => post(agent, url, ready.pop() ?? makeBody(signingKey)),
  });
  agent.destroy();
  return report;
}

// ---------------------------------------------------------------- node under test (parent process)

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
  const name = `enfed_bench_publish_${process.pid}`;
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${name}`;
  const databaseUrl = base.toString();
  await ensureDatabase(databaseUrl);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench' });
  const config = parseNodeConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: name,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ENFED_COMPONENTS: 'publish',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const node = await startNode(config, { logger });
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const em = node.db.orm.em.fork();
    const { id } = await new HealthAuthorityRepository(em).upsert({ iss: ISS, aud: AUD, name: 'bench' });
    const pem = await importHealthAuthorityKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await new HealthAuthorityRepository(em).upsertKey(id, {
      version: KID,
      from: new Date(Date.now() - 3600_000),
      thru: null,
      publicKeyPem: pem,
    });
    await new AuthorizedAppRepository(em).upsert({
      name: APP,
      allowedRegions: ['US-BENCH'],
      allowedHealthAuthorityIds: [id],
      bypassVerification: false,
      bypassRevisionToken: false,
    });

    process.stdout.write(
      `publish bench: ${KEYS_PER_REQUEST} keys/request, concurrency ${concurrency}, ${warmupSeconds}s warm-up + ${seconds}s measured against ${node.httpUrl}\n`,
    );
    const plan: LoadPlan = {
      url: node.httpUrl,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      seconds,
      warmupSeconds,
      concurrency,
      presigned: Number(process.env.BENCH_PRESIGNED ?? Math.min(90_000, (seconds + warmupSeconds) * 1500)),
    };
    const cpuBefore = process.cpuUsage();
    const pgBefore = await postgresCpuSeconds(node.db.pool, name);
    const child = fork(fileURLToPath(import.meta.url), ['--load'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const report = await new Promise<LatencyReport>((resolve, reject) => {
      child.once('message', (m) => resolve(m as LatencyReport));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
      child.send(plan);
    });
    child.kill();
    const pgMsPerRequest =
      (((await postgresCpuSeconds(node.db.pool, name)) - pgBefore) * 1000) / Math.max(1, report.totalRequests);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(1, report.totalRequests);
    const stored = (await node.db.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
    const rps = report.requests / report.seconds;
    process.stdout.write(
      `requests ${report.requests} in ${report.seconds}s: ${rps.toFixed(0)} publishes/s (${(rps * KEYS_PER_REQUEST).toFixed(0)} keys/s); ` +
        `latency p50 ${report.p50Ms.toFixed(1)} ms, p90 ${report.p90Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms, max ${report.maxMs.toFixed(1)} ms; ` +
        `non-200 answers ${report.errors} ${JSON.stringify(report.statuses)}; keys stored ${stored}; ` +
        `node process CPU ${cpuMsPerRequest.toFixed(2)} ms per publish (user ${(cpu.user / 1000 / Math.max(1, report.totalRequests)).toFixed(2)} ms), ` +
        `PostgreSQL backends CPU ${pgMsPerRequest.toFixed(2)} ms per publish, load generator CPU ${report.loadCpuMsPerRequest.toFixed(2)} ms per publish, ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} cores\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'publish',
        requests: report.requests,
        requestsPerSecond: Math.round(rps),
        p50Ms: Math.round(report.p50Ms * 10) / 10,
        p99Ms: Math.round(report.p99Ms * 10) / 10,
        errors: report.errors,
        nodeCpuMsPerRequest: Math.round(cpuMsPerRequest * 100) / 100,
        postgresCpuMsPerRequest: Math.round(pgMsPerRequest * 100) / 100,
        loadGeneratorCpuMsPerRequest: Math.round(report.loadCpuMsPerRequest * 100) / 100,
        loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
        concurrency,
        keysPerRequest: KEYS_PER_REQUEST,
      })}\n`,
    );
  } finally {
    await node.stop();
    await dropDatabase(databaseUrl);
    // The bench's BullMQ keys (its own prefix), so repeated runs leave nothing behind in Redis.
    await deleteRedisPrefix(config.REDIS_URL, name);
  }
}

if (process.argv[2] === '--load') {
  process.once('message', (plan) => {
    runLoad(plan as LoadPlan).then(
      (report) => process.send?.(report, () => process.exit(0)),
      (err: unknown) => {
        process.stderr.write(`load generator failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
