/**
 * `npm run bench:upload`: sustained COVID Shield/Alert uploads per second (NaCl box of 14 keys, the first upload
 * of a phone) with latency percentiles and the server CPU each upload costs.
 *
 * The parent starts a node in this process (own throwaway database and Redis prefix, components codes and
 * covid-alert), then forks this same file as the load generator, so that encrypting requests and measuring
 * latency do not steal the node's event loop. Before the clock starts, the load generator gets one-time codes
 * (/new-key-claim), claims them (/claim-key) and seals every upload (3 per key pair, 42 of its 43-key budget);
 * then it drives CONCURRENCY keep-alive connections for SECONDS after a short warm-up. The node's CPU (this
 * process) and its PostgreSQL backends' CPU are measured over the load only. Ends with one JSON line.
 *
 * Settings (env): BENCH_SECONDS (default 20), BENCH_CONCURRENCY (16), BENCH_WARMUP_SECONDS (3),
 * BENCH_KEY_PAIRS (key pairs claimed beforehand; default: enough for 600 uploads per second of run; when they
 * run out before the clock does, the measured time ends there, as it may on a machine doing ~1,000/s).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';
import { dropDatabase, ensureDatabase } from '../core/db/admin';
import { deleteRedisPrefix } from '../core/jobs/redis';
import { createLogger } from '../core/logging/logger';
import { startNode } from '../node/main';
import { parseNodeConfig } from '../node/node.config';
import { postgresCpuMeter } from './postgres-cpu';
import { runClosedLoop, type LatencyReport } from './support/closed-loop';

const KEYS_PER_UPLOAD = 14;
const UPLOADS_PER_PAIR = 3;
const TOKEN = 'bench-case-system-token-0001';

interface LoadPlan {
  url: string;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  keyPairs: number;
}

interface LoadReport extends LatencyReport {
  prepareSeconds: number;
}

// ---------------------------------------------------------------- load generator (child process)

/** A protobuf field: varint (wire 0) or bytes (wire 2). Written here so the generator shares nothing with the server. */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const fieldVarint = (f: number, v: number) => Buffer.concat([varint(f << 3), varint(v)]);
const fieldBytes = (f: number, v: Buffer) => Buffer.concat([varint((f << 3) | 2), varint(v.length), v]);

function request(
  agent: http.Agent,
  url: URL,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Claims one key pair and seals its uploads. */
async function preparePair(agent: http.Agent, url: URL): Promise<Buffer[]> {
  const code = await request(agent, url, '/new-key-claim', Buffer.alloc(0), { authorization: `Bearer ${TOKEN}` });
  if (code.status !== 200) throw new Error(`new-key-claim: ${code.status}`);
  const app = nacl.box.keyPair();
  const claim = await request(
    agent,
    url,
    '/claim-key',
    Buffer.concat([fieldBytes(1, Buffer.from(code.body.toString().trim())), fieldBytes(2, Buffer.from(app.publicKey))]),
  );
  // KeyClaimResponse field 2 (server_public_key): tag 0x12, length 32.
  const at = claim.body.indexOf(Buffer.from([0x12, 0x20]));
  if (claim.status !== 200 || at < 0) throw new Error(`claim-key: ${claim.status}`);
  const serverKey = claim.body.subarray(at + 2, at + 34);
  const today = Math.floor(Date.now() / 600_000 / 144) * 144;
  return Array.from({ length: UPLOADS_PER_PAIR }, () => {
    const keys = Array.from({ length: KEYS_PER_UPLOAD }, (_, i) =>
      fieldBytes(
        2,
        Buffer.concat([fieldBytes(1, randomBytes(16)), fieldVarint(2, 1), fieldVarint(3, today - (i + 1) * 144)]),
      ),
    );
    const upload = Buffer.concat([fieldBytes(1, fieldVarint(1, Math.floor(Date.now() / 1000))), ...keys]);
    const nonce = randomBytes(24);
    const sealed = Buffer.from(nacl.box(upload, nonce, serverKey, app.secretKey));
    return Buffer.concat([
      fieldBytes(1, Buffer.from(serverKey)),
      fieldBytes(2, Buffer.from(app.publicKey)),
      fieldBytes(3, nonce),
      fieldBytes(4, sealed),
    ]);
  });
}

async function prepare(plan: LoadPlan, agent: http.Agent, url: URL): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < plan.keyPairs) {
      next += 1;
      bodies.push(...(await preparePair(agent, url)));
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return bodies;
}

async function runLoad(plan: LoadPlan, ready: () => Promise<void>): Promise<LoadReport> {
  const url = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const prepStarted = performance.now();
  const bodies = await prepare(plan, agent, url);
  const prepareSeconds = (performance.now() - prepStarted) / 1000;
  await ready();
  const report = await runClosedLoop({
    concurrency: plan.concurrency,
    seconds: plan.seconds,
    warmupSeconds: plan.warmupSeconds,
    next: () => {
      const body = bodies.pop();
      return body && request(agent, url, '/upload', body).then((r) => r.status);
    },
  });
  agent.destroy();
  return { ...report, prepareSeconds };
}

// ---------------------------------------------------------------- node under test (parent process)

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
  const keyPairs = Number(
    process.env.BENCH_KEY_PAIRS ?? Math.ceil(((seconds + warmupSeconds) * 600) / UPLOADS_PER_PAIR),
  );
  const name = `enfed_bench_upload_${process.pid}`;
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
    ENFED_COMPONENTS: 'codes,covid-alert',
    NEW_KEY_CLAIM_TOKENS: `${TOKEN}=302`,
    RETRIEVE_HMAC_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // One client (the load generator) makes every request: the per-client limit on the claim and upload endpoints
    // would answer 429 to nearly all of them, and the bench would measure refusals.
    RATE_LIMIT_CLAIM: '0',
  });
  const node = await startNode(config, { logger });
  try {
    process.stdout.write(
      `upload bench: ${KEYS_PER_UPLOAD} keys/upload, concurrency ${concurrency}, ${keyPairs} key pairs claimed first, ` +
        `${warmupSeconds}s warm-up + ${seconds}s measured against ${node.httpUrl}\n`,
    );
    const plan: LoadPlan = { url: node.httpUrl, seconds, warmupSeconds, concurrency, keyPairs };
    const child = fork(fileURLToPath(import.meta.url), ['--load'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let cpuBefore = process.cpuUsage();
    let pgCpu: (() => Promise<number>) | undefined;
    const report = await new Promise<LoadReport>((resolve, reject) => {
      child.on('message', (m: { kind: string; report?: LoadReport }) => {
        if (m.kind === 'ready') {
          // The load starts now: the node's and PostgreSQL's CPU are counted from here.
          postgresCpuMeter(node.db.pool, name).then((meter) => {
            pgCpu = meter;
            cpuBefore = process.cpuUsage();
            child.send({ kind: 'go' });
          }, reject);
        } else if (m.kind === 'report' && m.report) resolve(m.report);
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
      child.send({ kind: 'plan', plan });
    });
    const cpu = process.cpuUsage(cpuBefore);
    const pgMsPerUpload = ((await pgCpu!()) * 1000) / Math.max(1, report.totalRequests);
    child.kill();
    const cpuMsPerUpload = (cpu.user + cpu.system) / 1000 / Math.max(1, report.totalRequests);
    const stored = (await node.db.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
    const rps = report.requests / report.seconds;
    process.stdout.write(
      `prepared in ${report.prepareSeconds.toFixed(1)}s; uploads ${report.requests} in ${report.seconds.toFixed(1)}s: ` +
        `${rps.toFixed(0)} uploads/s (${(rps * KEYS_PER_UPLOAD).toFixed(0)} keys/s); latency p50 ${report.p50Ms.toFixed(1)} ms, ` +
        `p90 ${report.p90Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms, max ${report.maxMs.toFixed(1)} ms; ` +
        `non-200 answers ${report.errors} ${JSON.stringify(report.statuses)}; keys stored ${stored}; ` +
        `node process CPU ${cpuMsPerUpload.toFixed(2)} ms per upload, PostgreSQL backends CPU ${pgMsPerUpload.toFixed(2)} ms per upload, ` +
        `load generator CPU ${report.loadCpuMsPerRequest.toFixed(2)} ms per upload, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} cores\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'upload',
        requests: report.requests,
        uploadsPerSecond: Math.round(rps),
        p50Ms: Math.round(report.p50Ms * 10) / 10,
        p99Ms: Math.round(report.p99Ms * 10) / 10,
        errors: report.errors,
        nodeCpuMsPerUpload: Math.round(cpuMsPerUpload * 100) / 100,
        postgresCpuMsPerUpload: Math.round(pgMsPerUpload * 100) / 100,
        serverCpuMsPerUpload: Math.round((cpuMsPerUpload + pgMsPerUpload) * 100) / 100,
        loadGeneratorCpuMsPerUpload: Math.round(report.loadCpuMsPerRequest * 100) / 100,
        loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
        concurrency,
        keysPerUpload: KEYS_PER_UPLOAD,
      })}\n`,
    );
  } finally {
    await node.stop();
    await dropDatabase(databaseUrl);
    await deleteRedisPrefix(config.REDIS_URL, name);
  }
}

if (process.argv[2] === '--load') {
  let go: (() => void) | undefined;
  process.on('message', (m: { kind: string; plan?: LoadPlan }) => {
    if (m.kind === 'go') go?.();
    if (m.kind !== 'plan' || !m.plan) return;
    runLoad(
      m.plan,
      () =>
        new Promise<void>((resolve) => {
          go = resolve;
          process.send?.({ kind: 'ready' });
        }),
    ).then(
      (report) => process.send?.({ kind: 'report', report }, () => process.exit(0)),
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
