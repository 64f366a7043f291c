import type Router from '@koa/router';

/** A check that resolves when a dependency is reachable, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

/**
 * `/healthz`: the process is alive. `/readyz`: every dependency (PostgreSQL, Redis) answers, so a load
 * balancer can route traffic here; it names what failed, never why in detail.
 */
export function addHealthRoutes(router: Router, checks: Record<string, ReadinessCheck>): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch {
          return [name, 'unreachable'] as const;
        }
      }),
    );
    const failed = results.some(([, state]) => state !== 'ok');
    ctx.status = failed ? 503 : 200;
    ctx.body = { status: failed ? 'unavailable' : 'ok', checks: Object.fromEntries(results) };
  });
}
