import { STATS_MAX_OLDEST_TEK, STATS_MAX_ONSET_DAYS } from './publish-stats';
import type { StatsHour } from './stats.repository';

/** One day of `/v1/stats`, in the reference's JSON names (pkg/api/v1 StatsDay). */
export interface StatsDay {
  day: string;
  publish_requests: { unknown: number; android: number; ios: number };
  total_teks_published: number;
  requests_with_revisions: number;
  tek_age_distribution: number[];
  onset_to_upload_distribution: number[];
  requests_missing_onset_date: number;
}

/** When a day may be shown. */
export interface ReleaseRules {
  /** Hours at or after this are left out (the current hour is never shown). */
  onlyBefore: Date;
  /** A day with at least this many publishes is shown (the reference: 10 at least). */
  dayThreshold: number;
  /** A smaller day is shown once this many seconds have passed since its end; 0 never. */
  embargoSeconds: number;
  now: Date;
}

const DAY_MS = 86_400_000;

function addInto(target: number[], values: readonly number[]): void {
  for (let i = 0; i < target.length && i < values.length; i++) target[i] = (target[i] ?? 0) + (values[i] ?? 0);
}

/** Go's time.Time JSON form of a UTC midnight (RFC 3339, no fraction), as reference clients parse it. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Rolls hours up into UTC days (the reference's ReduceStats) and keeps the days that may be shown: at least
 * `dayThreshold` publishes, or past the embargo after the day's end. Oldest day first.
 */
export function reduceStats(hours: readonly StatsHour[], rules: ReleaseRules): StatsDay[] {
  const days = new Map<number, StatsDay>();
  for (const h of hours) {
    if (h.hour.getTime() >= rules.onlyBefore.getTime()) continue;
    const dayMs = Math.floor(h.hour.getTime() / DAY_MS) * DAY_MS;
    let day = days.get(dayMs);
    if (!day) {
      day = {
        day: rfc3339(dayMs),
        publish_requests: { unknown: 0, android: 0, ios: 0 },
        total_teks_published: 0,
        requests_with_revisions: 0,
        tek_age_distribution: new Array<number>(STATS_MAX_OLDEST_TEK + 1).fill(0),
        onset_to_upload_distribution: new Array<number>(STATS_MAX_ONSET_DAYS + 1).fill(0),
        requests_missing_onset_date: 0,
      };
      days.set(dayMs, day);
    }
    day.publish_requests.unknown += h.publish[0] ?? 0;
    day.publish_requests.android += h.publish[1] ?? 0;
    day.publish_requests.ios += h.publish[2] ?? 0;
    day.total_teks_published += h.teks;
    day.requests_with_revisions += h.revisions;
    day.requests_missing_onset_date += h.missingOnset;
    addInto(day.tek_age_distribution, h.oldestTekDays);
    addInto(day.onset_to_upload_distribution, h.onsetAgeDays);
  }
  return [...days.entries()]
    .filter(([dayMs, d]) => {
      const total = d.publish_requests.unknown + d.publish_requests.android + d.publish_requests.ios;
      const embargoOver =
        rules.embargoSeconds > 0 && dayMs + DAY_MS + rules.embargoSeconds * 1000 < rules.now.getTime();
      return total >= rules.dayThreshold || embargoOver;
    })
    .sort(([a], [b]) => a - b)
    .map(([, d]) => d);
}
