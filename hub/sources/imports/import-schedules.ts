import type { JobQueue } from '../../../core/jobs/job-queue';
import type { ImportRepository } from './imports.repository';

/** Queue of all import runs; each import has its own schedule `import:<name>` on it. */
export const IMPORT_QUEUE = 'import-run';

/** What an import job carries: the import's id, never keys. */
export interface ImportJobData {
  importId: number;
}

/** Stable schedule id of an import, so that replicas starting together register one schedule. */
export function importSchedulerId(name: string): string {
  return `import:${name}`;
}

/**
 * Keeps the import queue's schedules equal to the imports table: one per enabled import at its interval, none for
 * a removed or disabled one. Runs at start and every IMPORT_SYNC_INTERVAL, so `enfed admin import add/remove` take
 * effect without a restart.
 */
export class ImportSchedules {
  constructor(
    private readonly queue: JobQueue<ImportJobData>,
    private readonly imports: ImportRepository,
  ) {}

  /** Reconciles; returns the number of scheduled imports. */
  async sync(): Promise<number> {
    const wanted = new Set<string>();
    for (const imp of await this.imports.list()) {
      if (!imp.enabled) continue;
      const id = importSchedulerId(imp.name);
      wanted.add(id);
      await this.queue.schedule(id, imp.intervalSeconds, { importId: imp.id });
    }
    const known = new Set([
      ...this.queue.scheduleIds(),
      ...(await this.queue.queue.getJobSchedulers()).map((s) => s.id ?? s.key),
    ]);
    for (const id of known) {
      if (id.startsWith('import:') && !wanted.has(id)) await this.queue.unschedule(id);
    }
    return wanted.size;
  }
}
