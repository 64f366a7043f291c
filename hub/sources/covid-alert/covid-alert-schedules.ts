import type { JobQueue } from '../../../core/jobs/job-queue';
import type { CovidAlertSourceRepository } from './covid-alert-source.repository';

/** Queue of all COVID Alert pulls; each source has its own schedule `covid-alert:<name>` on it. */
export const COVID_ALERT_QUEUE = 'covid-alert-pull';

/** What a pull job carries: the source's id, never keys nor the retrieve key. */
export interface CovidAlertJobData {
  sourceId: number;
}

/** Stable schedule id of a source, so that replicas starting together register one schedule. */
export function covidAlertSchedulerId(name: string): string {
  return `covid-alert:${name}`;
}

/**
 * Keeps the queue's schedules equal to covid_alert_sources: one per enabled source at its interval, none for a
 * removed or disabled one. Runs at start and every COVID_ALERT_SYNC_INTERVAL, so `enfed admin covid-alert-source`
 * changes take effect without a restart.
 */
export class CovidAlertSchedules {
  constructor(
    private readonly queue: JobQueue<CovidAlertJobData>,
    private readonly sources: CovidAlertSourceRepository,
  ) {}

  /** Reconciles; returns the number of scheduled sources. */
  async sync(): Promise<number> {
    const sources = (await this.sources.list()).filter((s) => s.enabled);
    const wanted = new Set<string>();
    for (const source of sources) {
      const id = covidAlertSchedulerId(source.name);
      wanted.add(id);
      await this.queue.schedule(id, source.intervalSeconds, { sourceId: source.id });
    }
    const known = new Set([
      ...this.queue.scheduleIds(),
      ...(await this.queue.queue.getJobSchedulers()).map((s) => s.id ?? s.key),
    ]);
    for (const id of known) {
      if (id.startsWith('covid-alert:') && !wanted.has(id)) await this.queue.unschedule(id);
    }
    return sources.length;
  }
}
