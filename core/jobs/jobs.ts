import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { JobQueue } from './job-queue';
import type { ScheduleKeeper } from './schedule-keeper';
import { startScheduledJob, type ScheduledJob } from './scheduled-worker';

/**
 * The job queues of one server: each is created with the server's Redis prefix, metrics and logger, kept
 * registered by its schedule keeper, and closed when the server stops.
 */
export class Jobs {
  private readonly queues: JobQueue<object>[] = [];

  constructor(
    private readonly settings: { prefix: string; connection: Redis; metrics: Metrics; keeper: ScheduleKeeper },
  ) {}

  /** A queue whose schedules the caller sets (e.g. one per upstream). */
  queue<D extends object>(
    name: string,
    logger: Logger,
    handler: (data: D) => Promise<unknown>,
    options: { concurrency?: number } = {},
  ): JobQueue<D> {
    const queue = new JobQueue<D>({ ...this.common(logger), name, handler, concurrency: options.concurrency });
    return this.track(queue);
  }

  /** A queue with one schedule, `name`, every `everySeconds`. */
  async scheduled(
    name: string,
    everySeconds: number,
    logger: Logger,
    handler: () => Promise<unknown>,
  ): Promise<ScheduledJob> {
    return this.track(await startScheduledJob({ ...this.common(logger), name, everySeconds, handler }));
  }

  /** Closes every queue (after the jobs in hand), or drops their connections when Redis is unreachable. */
  async close(): Promise<void> {
    const redisAway = this.settings.connection.status !== 'ready';
    await Promise.allSettled(this.queues.map((q) => q.close({ redisAway })));
  }

  private common(logger: Logger) {
    return {
      prefix: this.settings.prefix,
      connection: this.settings.connection,
      metrics: this.settings.metrics,
      logger,
    };
  }

  private track<D extends object>(queue: JobQueue<D>): JobQueue<D> {
    this.queues.push(queue as unknown as JobQueue<object>);
    return this.settings.keeper.watch(queue);
  }
}
