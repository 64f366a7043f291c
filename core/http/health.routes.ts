import type Router from '@koa/router';

/** A check that resolves when a dependency is usable, rejects (with a short reason) otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** The dependencies of what a process serves: its HTTP/gRPC traffic, and its scheduled jobs. */
export interface Readiness {
  checks: Record<string, ReadinessCheck>;
  /** Checks that traffic (publish, export files, federation-out, status) needs. */
  traffic: string[];
  /** Checks that the jobs (export, pulls, cleanup, key rotation) need. */
  jobs: string[];
  /** Whether this process serves traffic at all (a jobs-only process is ready when its jobs can run). */
  servesTraffic: boolean;
}

const CHECK_TIMEOUT_MS = 2000;

async function run(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => 'ok'), timeout]);
  } catch (err) {
    return (err as Error)?.message?.slice(0, 100) || 'failing';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is alive. `/readyz`: what this process serves works, so a load balancer may route
 * to it: 503 only when a dependency of its traffic is down (or, for a jobs-only process, a dependency of its
 * jobs). Jobs impaired while traffic works (Redis down, schedules lost) answer 200 with status `degraded`;
 * the body names every check and what depends on it, never more detail than a short reason.
 */
export function addHealthRoutes(router: Router, readiness: Readiness): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const names = Object.keys(readiness.checks);
    const states = await Promise.all(names.map((name) => run(readiness.checks[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, states[i]]));
    const failing = (list: string[]) => list.filter((name) => checks[name] !== 'ok');
    const traffic = failing(readiness.traffic);
    const jobs = failing(readiness.jobs);
    const unready = readiness.servesTraffic ? traffic.length > 0 : traffic.length + jobs.length > 0;
    ctx.set('Cache-Control', 'no-store');
    ctx.status = unready ? 503 : 200;
    ctx.body = {
      status: unready ? 'unavailable' : jobs.length > 0 ? 'degraded' : 'ok',
      checks,
      traffic: traffic.length > 0 ? 'unavailable' : 'ok',
      jobs: jobs.length > 0 ? 'impaired' : 'ok',
    };
  });
}
