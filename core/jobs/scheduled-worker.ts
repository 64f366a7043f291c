import { JobQueue, type JobQueueOptions } from './job-queue';

/** A queue with one schedule whose id is the queue's name. */
export type ScheduledJob = JobQueue<Record<string, never>>;

export interface ScheduledJobOptions extends Omit<JobQueueOptions<Record<string, never>>, 'handler'> {
  everySeconds: number;
  handler: () => Promise<unknown>;
}

/**
 * A repeating job: a JobQueue whose one schedule (stable id = the queue name, so replicas that start together
 * register one) fires every `everySeconds`.
 */
export async function startScheduledJob(options: ScheduledJobOptions): Promise<ScheduledJob> {
  const queue = new JobQueue<Record<string, never>>({ ...options, handler: () => options.handler() });
  await queue.schedule(options.name, options.everySeconds, {});
  return queue;
}
