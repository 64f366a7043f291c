import type { DemoOptions } from './demo-options';

/** The compressed timings the demo's servers run with, in seconds: one source for their env and the summary. */
export interface DemoTiming {
  truncateWindowSeconds: number;
  exportPeriodSeconds: number;
  pullIntervalSeconds: number;
  /** EXPORT_MIN_WINDOW_AGE: a window is exported this long after it closes. */
  minWindowAgeSeconds: number;
  /** EXPORT_SCHEDULE_INTERVAL and EXPORT_WORKER_INTERVAL. */
  exportJobIntervalSeconds: number;
  /** A node serves a truncate window to the hub this long after it ends (FEDERATION_CLOSE_GRACE's default). */
  closeGraceSeconds: number;
}

export function demoTiming(options: DemoOptions): DemoTiming {
  const truncate = options.truncateWindowSeconds;
  return {
    truncateWindowSeconds: truncate,
    exportPeriodSeconds: options.exportPeriodSeconds,
    pullIntervalSeconds: options.pullIntervalSeconds,
    minWindowAgeSeconds: truncate,
    exportJobIntervalSeconds: Math.max(1, Math.min(truncate, 5)),
    // As core/federation closeGraceSeconds with FEDERATION_CLOSE_GRACE unset: 60 s, or half the window if less.
    closeGraceSeconds: Math.min(60, truncate / 2),
  };
}

const floorTo = (ms: number, seconds: number) => Math.floor(ms / (seconds * 1000)) * seconds * 1000;
const ceilTo = (ms: number, seconds: number) => Math.ceil(ms / (seconds * 1000)) * seconds * 1000;

/**
 * The latest time the hub's export file holding keys published at a node at `publishedAt` appears: the node
 * serves them once their truncate window has closed (plus the close grace); the hub takes them at its next
 * pull and stamps its own truncated arrival time; the hub's export window holding that arrival must end and
 * age EXPORT_MIN_WINDOW_AGE (as seen through the truncated clock of the scheduler, which runs every
 * EXPORT_SCHEDULE_INTERVAL); the worker then builds the file at once (a second or so, not counted).
 */
export function hubExportDueAt(publishedAt: Date, t: DemoTiming): Date {
  const servedAt =
    floorTo(publishedAt.getTime(), t.truncateWindowSeconds) + (t.truncateWindowSeconds + t.closeGraceSeconds) * 1000;
  const arrival = floorTo(servedAt + t.pullIntervalSeconds * 1000, t.truncateWindowSeconds);
  const windowEnd = floorTo(arrival, t.exportPeriodSeconds) + t.exportPeriodSeconds * 1000;
  const scheduled = ceilTo(windowEnd + t.minWindowAgeSeconds * 1000, t.truncateWindowSeconds);
  return new Date(scheduled + t.exportJobIntervalSeconds * 1000);
}
