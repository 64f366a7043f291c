import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dropDatabase } from '../../core/db/admin';
import { deleteRedisPrefix } from '../../core/jobs/redis';
import { freePortBlock } from './ports';
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL } from './test-database';

const ENFED = fileURLToPath(new URL('../../cli/enfed.ts', import.meta.url));

/** The demo's servers, as their databases and Redis prefixes name them. */
const DEMO_SERVERS = ['hub', 'node-wa', 'node-or', 'node-ca'];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` (errors count as "not yet") until it returns a value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The environment a demo under test runs with: the test PostgreSQL and Redis, quiet servers. */
export function demoEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: databaseUrl('postgres'), REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn' };
}

/** `enfed <args>` running as its own process, its stdout and stderr collected. */
export interface EnfedProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function spawnEnfed(args: string[], env: NodeJS.ProcessEnv = demoEnv()): EnfedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENFED, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs `enfed <args>` to its end; one still running after `timeoutMs` is killed (code null). */
export async function runEnfed(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const run = spawnEnfed(args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, output: run.output() };
}

/** Pids of live processes whose environment carries this demo instance's Redis prefix (its servers). */
export async function processesOf(instance: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    const state = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
    // A zombie (exited, not yet reaped) is not running.
    if (environ.includes(`REDIS_PREFIX=enfed-${instance}-`) && !/\) Z /.test(state)) found.push(Number(entry));
  }
  return found;
}

/** A --base-port whose eight ports (HTTP base..base+3, gRPC base+1000..base+1003) were free a moment ago. */
export function freeBasePort(): Promise<number> {
  return freePortBlock([0, 1, 2, 3].flatMap((i) => [i, 1000 + i]));
}

/** URL of one server's database of a demo instance. */
export function demoDatabaseUrl(instance: string, server: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/enfed_${instance}_${server.replace(/-/g, '_')}`;
  return url.toString();
}

/** Drops a demo instance's databases and Redis keys (test clean-up, whatever state the demo left). */
export async function dropDemoInstance(instance: string): Promise<void> {
  for (const server of DEMO_SERVERS) {
    await dropDatabase(demoDatabaseUrl(instance, server));
    await deleteRedisPrefix(TEST_REDIS_URL, `enfed-${instance}-${server}`);
  }
}

/** Kills (SIGKILL) every process of a demo instance; for clean-up after a failed test. */
export async function killDemoInstance(instance: string): Promise<void> {
  for (const pid of await processesOf(instance)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
