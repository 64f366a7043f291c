import type { JobQueue } from '../../../core/jobs/job-queue';
import type { UpstreamClients } from './upstream-clients';
import type { UpstreamQueryRepository } from './upstream-query.repository';

/** Queue of all pulls; each upstream has its own schedule `pull:<name>` on it. */
export const PULL_QUEUE = 'federation-in-pull';

/** What a pull job carries: the upstream's id, never keys. */
export interface PullJobData {
  queryId: number;
}

/** Stable schedule id of an upstream, so that replicas starting together register one schedule. */
export function pullSchedulerId(name: string): string {
  return `pull:${name}`;
}

/**
 * Keeps the pull queue's schedules equal to the upstream table: one per upstream at its interval, none for a
 * removed one (also when it was removed while the hub was down). Runs at start and every
 * FEDERATION_SYNC_INTERVAL, so `enfed admin upstream add/remove` take effect without a restart.
 */
export class PullSchedules {
  constructor(
    private readonly queue: JobQueue<PullJobData>,
    private readonly upstreams: UpstreamQueryRepository,
    private readonly clients: UpstreamClients,
  ) {}

  /** Reconciles; returns the number of upstreams. */
  async sync(): Promise<number> {
    const upstreams = await this.upstreams.list();
    const wanted = new Set<string>();
    for (const upstream of upstreams) {
      const id = pullSchedulerId(upstream.name);
      wanted.add(id);
      await this.queue.schedule(id, upstream.intervalSeconds, { queryId: upstream.id });
    }
    const known = new Set([
      ...this.queue.scheduleIds(),
      ...(await this.queue.queue.getJobSchedulers()).map((s) => s.id ?? s.key),
    ]);
    for (const id of known) {
      if (id.startsWith('pull:') && !wanted.has(id)) await this.queue.unschedule(id);
    }
    this.clients.retain(new Set(upstreams.map((u) => u.id)));
    return upstreams.length;
  }
}
