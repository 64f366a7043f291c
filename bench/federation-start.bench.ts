/**
 * `npm run bench:demo`: how long a whole federation takes to start on this machine and what it costs. For each
 * size in BENCH_NODES (default 3,10,20) it starts a hub and that many nodes with startFederation() (real
 * `enfed hub` / `enfed node` processes), lets them run BENCH_SETTLE_SECONDS (default 20: scheduled jobs, the
 * hub's pulls), then reports the start time (call → every server ready), the summed RSS of the servers, and the
 * peak number of PostgreSQL sessions on the federation's databases while starting and settling. Stops and
 * cleans each federation before the next. One JSON line per size. Not a test.
 */
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startFederation } from '../cli/demo/start-federation';
import { freeFederationBasePort } from '../test/helpers/federation-kit';

const SIZES = (process.env.BENCH_NODES ?? '3,10,20').split(',').map(Number);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 20) * 1000;
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of `pid` and all its descendants, in kB (from /proc). */
async function treeRssKb(root: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const inTree = (pid: number): boolean => pid === root || (parents.has(pid) && inTree(parents.get(pid)!));
  let total = 0;
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => '');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return total;
}

async function sessions(admin: pg.Client, prefix: string): Promise<number> {
  const result = await admin.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname like $1`,
    [`${prefix}%`],
  );
  return result.rows[0]!.n;
}

const admin = new pg.Client({ connectionString: PG });
await admin.connect();
try {
  const lines: string[] = [];
  for (const nodes of SIZES) {
    const dir = await mkdtemp(path.join(tmpdir(), 'enfed-bench-federation-'));
    const instance = `bench_${nodes}_${process.pid}`;
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await sessions(admin, `enfed_${instance}_`).catch(() => 0));
        await sleep(500);
      }
    })();
    say(`starting a hub and ${nodes} nodes…`);
    const federation = await startFederation({
      nodes,
      dir,
      instance,
      basePort: await freeFederationBasePort(nodes),
      databaseUrl: PG,
      redisUrl: REDIS,
      onServerExit: (server, how) => say(`  ${server} exited (${how})`),
    });
    try {
      say(`  ready in ${(federation.startMs / 1000).toFixed(1)} s; settling ${SETTLE_MS / 1000} s`);
      await sleep(SETTLE_MS);
      const rss = await Promise.all(federation.pids.map((p) => treeRssKb(p.pid)));
      const totalMb = Math.round(rss.reduce((a, b) => a + b, 0) / 1024);
      const hubMb = Math.round(rss[rss.length - 1]! / 1024);
      const nodeMb = rss.slice(0, -1).map((kb) => kb / 1024);
      sampling = false;
      await sampler;
      const line = JSON.stringify({
        bench: 'federation-start',
        nodes,
        servers: nodes + 1,
        startSeconds: Number((federation.startMs / 1000).toFixed(1)),
        rssTotalMb: totalMb,
        rssHubMb: hubMb,
        rssNodeMeanMb: Math.round(nodeMb.reduce((a, b) => a + b, 0) / nodeMb.length),
        peakPgSessions: peak,
      });
      say(`  ${line}`);
      lines.push(line);
    } finally {
      sampling = false;
      await federation.stop({ clean: true });
      await rm(dir, { recursive: true, force: true });
    }
  }
  say('');
  for (const line of lines) say(line);
} finally {
  await admin.end();
}
