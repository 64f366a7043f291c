import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { JobQueue } from './job-queue';

/**
 * Keeps the job schedules of one server registered in Redis. Schedules live only in Redis: a Redis that restarts
 * without persistence (or is flushed) loses them, and nothing would run again until a restart. The keeper
 * registers every queue's wanted schedules again whenever the connection becomes ready after a reconnect, and
 * checks them every `intervalMs` in case Redis was emptied without dropping the connection. What it restores is
 * logged; `missing()` tells readiness whether the jobs are really scheduled.
 */
export class ScheduleKeeper {
  private readonly queues: JobQueue<object>[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onReady = () => void this.restore('reconnected');
  private restoring: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    intervalMs: number,
    /** Extra work to redo after Redis lost its state (e.g. claiming the prefix again). */
    private readonly onRestore: () => Promise<void> = async () => undefined,
  ) {
    redis.on('ready', this.onReady);
    this.timer = setInterval(() => void this.restore('periodic check'), intervalMs);
    this.timer.unref();
  }

  /** Keeps `queue`'s schedules registered. */
  watch<D extends object>(queue: JobQueue<D>): JobQueue<D> {
    this.queues.push(queue as unknown as JobQueue<object>);
    return queue;
  }

  /** Schedules wanted but absent in Redis, as `queue:id`. */
  async missing(): Promise<string[]> {
    const lists = await Promise.all(
      this.queues.map(async (q) => (await q.missingSchedules()).map((id) => `${q.name}:${id}`)),
    );
    return lists.flat();
  }

  /** Registers again whatever Redis lost; one run at a time, failures only logged (the next check retries). */
  restore(reason: string): Promise<void> {
    this.restoring ??= (async () => {
      try {
        await this.onRestore();
        const restored: string[] = [];
        for (const queue of this.queues) {
          for (const id of await queue.restoreSchedules()) restored.push(`${queue.name}:${id}`);
        }
        if (restored.length > 0)
          this.logger.warn({ reason, restored }, 'job schedules were missing in Redis; registered again');
      } catch (err) {
        this.logger.warn({ reason, err: (err as Error).message }, 'could not check job schedules; will retry');
      } finally {
        this.restoring = undefined;
      }
    })();
    return this.restoring;
  }

  stop(): void {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }
}
