import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection } from '../../../core/jobs/redis';
import type { Logger } from '../../../core/logging/logger';
import { pullUpstream, type PullDeps, type PullOutcome } from './pull-upstream';
import { UpstreamQueryRepository } from './upstream-query.repository';

/** Queue of all pulls; each upstream has its own job scheduler `pull:<name>` on it. */
export const PULL_QUEUE = 'federation-in-pull';

/** Stable job-scheduler id of an upstream, so that replicas starting together register one schedule. */
export function pullSchedulerId(name: string): string {
  return `pull:${name}`;
}

interface PullJobData {
  queryId: number;
}

/**
 * The pull queue, its worker and the reconciliation of schedules with federation_in_queries. The worker runs up
 * to `concurrency` pulls of different upstreams at once; pulls of one upstream are serialized by its advisory
 * lock (a second one finds it busy and ends at once), and an upstream in backoff ends at once too, so a dead
 * upstream costs the others at most one slot for one call deadline.
 */
export class PullScheduler {
  private readonly queue: Queue<PullJobData>;
  private readonly worker: Worker<PullJobData>;
  private readonly aborts = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: PullDeps,
    options: {
      connection: Redis;
      prefix: string;
      concurrency: number;
      logger: Logger;
      onOutcome?: (outcome: PullOutcome) => void;
    },
  ) {
    const connection = bullConnection(options.connection);
    this.queue = new Queue<PullJobData>(PULL_QUEUE, { connection, prefix: options.prefix });
    this.worker = new Worker<PullJobData>(
      PULL_QUEUE,
      async (job) => {
        const outcome = await pullUpstream(this.deps, job.data.queryId, { signal: this.aborts.signal });
        options.onOutcome?.(outcome);
        return outcome.status;
      },
      { connection, prefix: options.prefix, concurrency: options.concurrency, autorun: true },
    );
    this.worker.on('failed', (job, err) =>
      options.logger.error({ jobId: job?.id, err: err.message }, 'pull job failed'),
    );
    this.worker.on('error', (err) => options.logger.error({ err: err.message }, 'pull worker error'));
    this.queue.on('error', (err) => options.logger.warn({ err: err.message }, 'pull queue error'));
  }

  /** Makes the job schedulers match the upstream table: one per upstream, at its interval; none for removed ones. */
  async sync(): Promise<number> {
    const upstreams = await new UpstreamQueryRepository(this.deps.db).list();
    const wanted = new Set<string>();
    for (const upstream of upstreams) {
      const id = pullSchedulerId(upstream.name);
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { every: upstream.intervalSeconds * 1000 },
        { name: 'pull', data: { queryId: upstream.id }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    }
    for (const scheduler of await this.queue.getJobSchedulers()) {
      const id = scheduler.id ?? scheduler.key;
      if (id.startsWith('pull:') && !wanted.has(id)) await this.queue.removeJobScheduler(id);
    }
    this.deps.clients.retain(new Set(upstreams.map((u) => u.id)));
    return upstreams.length;
  }

  /** Stops pulls in flight at their next page boundary, then closes worker and queue. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.aborts.abort();
      await Promise.allSettled([this.worker.close(), this.queue.close()]);
    })();
    return this.closing;
  }
}
