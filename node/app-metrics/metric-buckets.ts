import type { MetricEvent, MetricsUpload } from './metrics-payload';

/** One daily counter's dimensions. Every value is a small bucket; nothing in it tells one phone from another. */
export interface MetricDimensions {
  day: string;
  region: string;
  identifier: string;
  appOs: string;
  osVersion: string;
  appVersion: string;
  countBucket: string;
  durationBucket: string;
  pushNotification: string;
  frameworkEnabled: string;
  state: string;
  isUserExposed: string;
}

/** The reference's count buckets (0, 1-6, 7-12, 13-30, 30+); '*' when absent. */
export function countBucket(value: unknown): string {
  if (value === undefined || value === '') return '*';
  const n = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  if (!Number.isFinite(n)) return 'other';
  if (n <= 0) return '0';
  if (n < 6) return '1-6';
  if (n < 12) return '7-12';
  if (n < 30) return '13-30';
  return '30+';
}

/** The reference's duration buckets (seconds); '*' when absent. */
export function durationBucket(value: unknown): string {
  if (value === undefined || value === '') return '*';
  const s = typeof value === 'number' ? value : Number.parseFloat(String(value));
  if (!Number.isFinite(s)) return 'other';
  if (s <= 0) return '0';
  if (s < 30) return '< 30';
  if (s < 60) return '30 - 59';
  if (s < 120) return '1:00 min - 1:59 min';
  if (s < 240) return '2:00 min - 3:59 min';
  if (s < 360) return '4:00 min - 5:59 min';
  if (s < 480) return '6:00 min - 7:59 min';
  if (s <= 600) return '8:00 min - 9:59 min';
  return '> 10:00 min';
}

/** An OS version to its major release ("14.4.2" → "14"); '*' when absent. */
export function osVersionBucket(value: string | undefined): string {
  const match = /^\s*(\d{1,4})/.exec(value ?? '');
  return match?.[1] ?? '*';
}

/** An app version to at most major.minor.patch, digits only ("1.2.3 (45)" → "1.2.3"). */
export function appVersionBucket(value: string): string {
  const match = /^\s*(\d{1,4}(?:\.\d{1,4}){0,2})/.exec(value);
  return match?.[1] ?? 'other';
}

/** A small flag or state as text, capped; '*' when absent. */
function small(value: unknown): string {
  if (value === undefined || value === '') return '*';
  return String(value).slice(0, 32);
}

/** The UTC day of an event's timestamp (ms since the epoch). */
export function eventDay(timestampMs: number): string {
  return new Date(timestampMs).toISOString().slice(0, 10);
}

/** The counter one event adds to (the reference's aggregate key, without model, manufacturer or Android release). */
export function dimensionsOf(upload: MetricsUpload, event: MetricEvent): MetricDimensions {
  return {
    day: eventDay(event.timestamp),
    region: event.region ? event.region : 'None',
    identifier: event.identifier,
    appOs: upload.appos,
    osVersion: osVersionBucket(upload.osversion),
    appVersion: appVersionBucket(upload.appversion),
    countBucket: countBucket(event.count),
    durationBucket: durationBucket(event.durationInSeconds),
    pushNotification: small(event.pushnotification),
    frameworkEnabled: small(event.frameworkenabled),
    state: small(event.state),
    isUserExposed: small(event.isUserExposed),
  };
}
