import type { Redis } from 'ioredis';
import type { Metrics } from '../../../core/metrics/metrics';
import type { Logger } from '../../../core/logging/logger';
import { startScheduledJob, type ScheduledJob } from '../../../core/jobs/scheduled-worker';
import type { RevisionKeyRepository } from './revision-key.repository';

export interface RevisionKeyRotationOptions {
  keys: RevisionKeyRepository;
  redis: Redis;
  metrics?: Metrics;
  prefix: string;
  logger: Logger;
  now: () => Date;
  everySeconds: number;
  rotationSeconds: number;
  retentionSeconds: number;
}

/** Queue name (and stable scheduler id) of the rotation job. */
export const REVISION_KEY_ROTATION_JOB = 'publish-revision-key-rotation';

/** Schedules the revision-token key rotation (BullMQ job scheduler with a stable id). */
export function startRevisionKeyRotation(options: RevisionKeyRotationOptions): Promise<ScheduledJob> {
  return startScheduledJob({
    name: REVISION_KEY_ROTATION_JOB,
    prefix: options.prefix,
    connection: options.redis,
    metrics: options.metrics,
    everySeconds: options.everySeconds,
    logger: options.logger,
    handler: async () => {
      const outcome = await options.keys.rotate(options.now(), options.rotationSeconds, options.retentionSeconds);
      if (outcome.created || outcome.deleted > 0) options.logger.info(outcome, 'revision token keys rotated');
      return outcome;
    },
  });
}
