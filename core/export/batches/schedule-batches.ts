import type { Logger } from '../../logging/logger';
import type { ExportRepositories } from './export-repositories';

export interface ScheduleBatchesDeps extends Pick<ExportRepositories, 'batches' | 'configs'> {
  logger: Logger;
  now: Date;
  truncateWindowSeconds: number;
  minWindowAgeSeconds: number;
  retentionSeconds: number;
}

const floorTo = (ms: number, periodSeconds: number) => Math.floor(ms / (periodSeconds * 1000)) * periodSeconds * 1000;
const ceilTo = (ms: number, periodSeconds: number) => Math.ceil(ms / (periodSeconds * 1000)) * periodSeconds * 1000;

/**
 * Creates the batches of every config for windows that are closed: end ≤ now truncated to TRUNCATE_WINDOW
 * minus EXPORT_MIN_WINDOW_AGE. Windows are aligned to the period (which divides 24 h, so they align to UTC
 * midnight). A config starts at the window holding its from_timestamp, but never before retention nor
 * before the oldest key still kept (until some key exists, nothing is created); later runs continue from
 * its last window. Windows start before thru_timestamp. Returns the number of batches created.
 */
export async function scheduleBatches(deps: ScheduleBatchesDeps): Promise<number> {
  const configs = await deps.configs.list();
  const { batches } = deps;
  const nowMs = deps.now.getTime();
  const closedEnd = floorTo(nowMs, deps.truncateWindowSeconds) - deps.minWindowAgeSeconds * 1000;
  const retained = nowMs - deps.retentionSeconds * 1000;
  let created = 0;
  for (const config of configs) {
    const period = config.periodSeconds;
    const lower = Math.max(config.fromTimestamp.getTime(), retained);
    const last = await batches.lastEnd(config.id);
    let first: number;
    if (last) {
      first = Math.max(last.getTime(), floorTo(lower, period));
    } else {
      const oldest = await batches.oldestKeyTime(new Date(lower));
      if (!oldest) continue;
      first = floorTo(Math.max(lower, oldest.getTime()), period);
    }
    let lastStart = floorTo(closedEnd, period) - period * 1000;
    if (config.thruTimestamp)
      lastStart = Math.min(lastStart, ceilTo(config.thruTimestamp.getTime(), period) - period * 1000);
    if (lastStart < first) continue;
    const n = await batches.createWindows(config.id, new Date(first), new Date(lastStart), period);
    if (n > 0) deps.logger.info({ configId: config.id, root: config.root, batches: n }, 'export batches created');
    created += n;
  }
  return created;
}
