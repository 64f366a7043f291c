import { randomInt } from 'node:crypto';
import { intervalNumber } from '../../../core/keys/intervals';

/** Oldest key age (days) with its own bucket; older keys count in the last (as the reference: 15). */
export const STATS_MAX_OLDEST_TEK = 15;
/** Onset-to-upload days with their own bucket; later ones count in the last (as the reference: 29). */
export const STATS_MAX_ONSET_DAYS = 29;

/** The publish platforms counted, in the order of the `publish` column. */
export const PLATFORMS = ['unknown', 'android', 'ios'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * The platform of a publish, from its User-Agent as the reference server reads it ("android"; "iphone", or
 * "bluetoothd" with "cfnetwork" for EN Express). Only this bucket is kept, never the header.
 */
export function platformOf(userAgent: string | undefined): Platform {
  const ua = (userAgent ?? '').toLowerCase();
  if (ua.includes('android')) return 'android';
  if (ua.includes('iphone') || (ua.includes('bluetoothd') && ua.includes('cfnetwork'))) return 'ios';
  return 'unknown';
}

/** What one publish adds to its authority's hour (before the store says how many keys it wrote). */
export interface PublishStatsInput {
  healthAuthorityId: number;
  hour: Date;
  platform: Platform;
  /** Age in days of the request's oldest stored key. */
  oldestDays: number;
  /** Days from symptom onset to upload, or null when the request gave no usable onset. */
  onsetDaysAgo: number | null;
}

/** The column values one publish adds, once the store knows its inserted and revised counts. */
export interface StatsIncrement {
  publish: number[];
  teks: number;
  revisions: number;
  oldestTekDays: number[];
  onsetAgeDays: number[];
  missingOnset: number;
}

function oneHot(length: number, index: number | null): number[] {
  const values = new Array<number>(length).fill(0);
  if (index !== null && index >= 0) values[Math.min(index, length - 1)] = 1;
  return values;
}

/**
 * The increment of one publish, by the reference's rules: a publish that revised keys counts as a revision
 * and adds nothing to the histograms; otherwise the oldest key's age and the onset age each add one.
 */
export function statsIncrement(input: PublishStatsInput, inserted: number, revised: number): StatsIncrement {
  const revision = revised > 0;
  return {
    publish: oneHot(PLATFORMS.length, PLATFORMS.indexOf(input.platform)),
    teks: inserted + revised,
    revisions: revision ? 1 : 0,
    oldestTekDays: oneHot(STATS_MAX_OLDEST_TEK + 1, revision ? null : input.oldestDays),
    onsetAgeDays: oneHot(STATS_MAX_ONSET_DAYS + 1, revision ? null : input.onsetDaysAgo),
    missingOnset: !revision && input.onsetDaysAgo === null ? 1 : 0,
  };
}

/** Whole days between two interval numbers (as the reference's DaysBetweenIntervals). */
export function daysBetweenIntervals(from: number, to: number): number {
  return Math.trunc((to - from) / 144);
}

/** The UTC hour `now` falls in. */
export function statsHour(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
}

/** Days from `onsetInterval` to `now`, as the stats count them. */
export function onsetDaysAgo(onsetInterval: number, now: Date): number {
  return daysBetweenIntervals(onsetInterval, intervalNumber(now));
}

/** Rows each authority's hour is spread over (see the migration): enough to keep one authority's publishes apart. */
export const STATS_SHARDS = 8;

/** The row of the hour this publish adds to, at random. */
export function statsShard(): number {
  return randomInt(STATS_SHARDS);
}
