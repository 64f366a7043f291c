import { rm, rmdir } from 'node:fs/promises';
import { dropDatabase } from '../../core/db/admin';
import { deleteRedisPrefix } from '../../core/jobs/redis';
import type { DemoLock } from './demo-lock';
import type { DemoPlan } from './demo-plan';

/**
 * `enfed demo --clean`: drops a stopped demo instance's databases and Redis keys and removes its files
 * (certificates, blobs, logs, manifest), then the demo directory if nothing else is left in it. The caller
 * holds the demo's lock and has checked that nothing uses the databases; the lock goes last.
 */
export async function cleanDemo(plan: DemoPlan, manifestPath: string, redisUrl: string, lock: DemoLock) {
  for (const server of [plan.hub, ...plan.nodes]) {
    await dropDatabase(server.databaseUrl);
    await deleteRedisPrefix(redisUrl, server.redisPrefix);
  }
  for (const path of [plan.certDir, `${plan.dir}/blobs`, `${plan.dir}/logs`, manifestPath]) {
    await rm(path, { recursive: true, force: true });
  }
  lock.release();
  await rmdir(plan.dir).catch(() => undefined); // not empty: someone else's files stay
}
