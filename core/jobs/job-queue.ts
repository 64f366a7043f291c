import { Queue, Worker, type Job } from 'bullmq';
import { stopRetriesOnClose } from './worker-close-guard';
import type { Redis } from 'ioredis';
import { reportError } from '../errors/report-error';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { bullConnection } from './redis';

/** Finished jobs BullMQ keeps for inspection, per queue. */
const KEEP_JOBS = { removeOnComplete: 100, removeOnFail: 100 };

export interface JobQueueOptions<D> {
  /** Queue name, unique within the Redis prefix; also the `job` label of the job metrics. */
  name: string;
  prefix: string;
  connection: Redis;
  logger: Logger;
  /** Where runs and failures are counted (`enfed_job_runs_total`, `enfed_job_duration_seconds`). */
  metrics?: Metrics;
  /** Jobs of this queue that may run at once in this process. */
  concurrency?: number;
  /** The work. Payloads carry ids, never keys. */
  handler: (data: D) => Promise<unknown>;
}

/**
 * A BullMQ queue, its worker and its job schedulers: the one way enfed runs scheduled work. A schedule has a
 * stable id, so replicas that start together register one. The queue remembers the schedules it was asked for,
 * so that `restoreSchedules` can register them again after Redis lost them (restarted empty, flushed); the
 * schedule keeper calls it on reconnect and periodically. A failed run is reported once (reportError) and
 * counted; BullMQ's own events are logged as one line each.
 */
export class JobQueue<D extends object = Record<string, never>> {
  readonly queue: Queue;
  private readonly worker: Worker;
  private readonly wanted = new Map<string, { everySeconds: number; data: D }>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: JobQueueOptions<D>) {
    const connection = bullConnection(options.connection);
    const log = options.logger.child({ job: options.name });
    const runs = options.metrics?.counter('enfed_job_runs_total', 'Scheduled job runs by outcome (ok, failed).', [
      'job',
      'outcome',
    ]);
    const duration = options.metrics?.histogram('enfed_job_duration_seconds', 'Duration of scheduled job runs.', [
      'job',
    ]);
    this.queue = new Queue(options.name, { connection, prefix: options.prefix });
    this.worker = new Worker(
      options.name,
      async (job: Job) => {
        const started = Date.now();
        try {
          const result = await options.handler(job.data as D);
          runs?.inc({ job: options.name, outcome: 'ok' });
          log.debug({ ms: Date.now() - started }, 'job done');
          return result;
        } catch (err) {
          runs?.inc({ job: options.name, outcome: 'failed' });
          reportError(log, err, { jobId: job.id });
          throw err;
        } finally {
          duration?.observe({ job: options.name }, (Date.now() - started) / 1000);
        }
      },
      { connection, prefix: options.prefix, concurrency: options.concurrency ?? 1, autorun: true },
    );
    stopRetriesOnClose(this.worker);
    // Without listeners an 'error' event (a lost connection, a shutdown) would crash the process.
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'job worker connection error'));
    this.queue.on('error', (err) => log.warn({ err: err.message }, 'job queue connection error'));
  }

  get name(): string {
    return this.options.name;
  }

  /** Runs `data` every `everySeconds` under the stable id `id` (idempotent; replaces an earlier interval). */
  async schedule(id: string, everySeconds: number, data: D): Promise<void> {
    this.wanted.set(id, { everySeconds, data });
    await this.upsert(id);
  }

  /** Stops the schedule `id`. */
  async unschedule(id: string): Promise<void> {
    this.wanted.delete(id);
    await this.queue.removeJobScheduler(id);
  }

  /** The ids of the schedules this queue was asked for. */
  scheduleIds(): string[] {
    return [...this.wanted.keys()];
  }

  /** Ids of wanted schedules that Redis does not have (it restarted empty, or was flushed). */
  async missingSchedules(): Promise<string[]> {
    const present = new Set((await this.queue.getJobSchedulers()).map((s) => s.id ?? s.key));
    return this.scheduleIds().filter((id) => !present.has(id));
  }

  /** Registers every wanted schedule again that Redis lost; returns their ids. */
  async restoreSchedules(): Promise<string[]> {
    const missing = await this.missingSchedules();
    for (const id of missing) await this.upsert(id);
    return missing;
  }

  /** Runs `data` soon, outside the schedules (e.g. build new export batches now). */
  async enqueue(data: D): Promise<void> {
    await this.queue.add(this.options.name, data, KEEP_JOBS);
  }

  /** Runs the handler now, in this process, outside the queue (tests and the CLI). */
  runNow(data: D = {} as D): Promise<unknown> {
    return this.options.handler(data);
  }

  /**
   * Stops the worker (after the job in hand) and closes the queue. Idempotent. With `redisAway`, the
   * connections are dropped at once instead: a graceful close sends QUIT and waits for Redis to answer, which
   * while Redis is unreachable lasts until the shutdown deadline. (ioredis drops a connection that is waiting
   * to reconnect without ever emitting 'end', so the queue's disconnect is not awaited past a second.)
   */
  close(options: { redisAway?: boolean } = {}): Promise<void> {
    this.closing ??= (
      options.redisAway
        ? Promise.allSettled([this.worker.close(true), settleWithin(this.queue.disconnect(), 1000)])
        : Promise.allSettled([this.worker.close(), this.queue.close()])
    ).then(() => undefined);
    return this.closing;
  }

  private async upsert(id: string): Promise<void> {
    const want = this.wanted.get(id);
    if (!want) return;
    await this.queue.upsertJobScheduler(
      id,
      { every: want.everySeconds * 1000 },
      { name: this.options.name, data: want.data, opts: KEEP_JOBS },
    );
  }
}

/** Resolves when `work` settles or after `ms`, whichever comes first. */
function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.then(() => undefined), deadline]).finally(() => clearTimeout(timer));
}
