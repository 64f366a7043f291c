import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { bullConnection } from './redis';

/** One repeating job: a BullMQ queue with a job scheduler under a stable id, and its worker. */
export interface ScheduledJob {
  queue: Queue;
  worker: Worker;
  /** Runs the job now (for tests and the CLI), outside the schedule. */
  runNow(data?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface ScheduledJobOptions {
  /** Queue name, unique within the Redis prefix. */
  name: string;
  prefix: string;
  connection: Redis;
  everySeconds: number;
  logger: Logger;
  concurrency?: number;
  /** Where runs and failures are counted (`enfed_job_runs_total`, `enfed_job_duration_seconds`). */
  metrics?: Metrics;
  /** The work. Payloads carry ids, never keys. */
  handler: (job: Job) => Promise<unknown>;
}

/**
 * Creates a queue whose job scheduler fires every `everySeconds` (stable scheduler id = the queue name,
 * so replicas that start together still register one schedule), plus a worker that runs the handler.
 */
export async function startScheduledJob(options: ScheduledJobOptions): Promise<ScheduledJob> {
  const connection = bullConnection(options.connection);
  const queue = new Queue(options.name, { connection, prefix: options.prefix });
  const log = options.logger.child({ job: options.name });
  const runs = options.metrics?.counter('enfed_job_runs_total', 'Scheduled job runs by outcome (ok, failed).', [
    'job',
    'outcome',
  ]);
  const duration = options.metrics?.histogram('enfed_job_duration_seconds', 'Duration of scheduled job runs.', ['job']);
  const worker = new Worker(
    options.name,
    async (job) => {
      const started = Date.now();
      try {
        const result = await options.handler(job);
        runs?.inc({ job: options.name, outcome: 'ok' });
        log.debug({ ms: Date.now() - started }, 'job done');
        return result;
      } catch (err) {
        runs?.inc({ job: options.name, outcome: 'failed' });
        throw err;
      } finally {
        duration?.observe({ job: options.name }, (Date.now() - started) / 1000);
      }
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency ?? 1, autorun: true },
  );
  worker.on('failed', (job, err) => log.error({ jobId: job?.id, err: err.message }, 'job failed'));
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  // Without a listener an 'error' event (e.g. the connection closing under a shutdown) would crash the process.
  queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
  await queue.upsertJobScheduler(
    options.name,
    { every: options.everySeconds * 1000 },
    { name: options.name, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  let closed = false;
  return {
    queue,
    worker,
    async runNow(data = {}) {
      await options.handler({ id: 'manual', data, name: options.name } as unknown as Job);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([worker.close(), queue.close()]);
    },
  };
}
