/** Seconds in one interval (10 minutes); interval numbers are `floor(unixSeconds / 600)`. */
export const INTERVAL_SECONDS = 600;
/** Intervals in a day, and the longest rolling period a key may have. */
export const INTERVALS_PER_DAY = 144;

/** Interval number of a moment. */
export function intervalNumber(at: Date): number {
  return Math.floor(at.getTime() / 1000 / INTERVAL_SECONDS);
}

/** Start of an interval. */
export function intervalStart(interval: number): Date {
  return new Date(interval * INTERVAL_SECONDS * 1000);
}

/** `at` truncated down to a multiple of `windowSeconds` since the epoch. */
export function truncate(at: Date, windowSeconds: number): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/** UTC midnight at or before `at`. */
export function utcMidnight(at: Date): Date {
  return truncate(at, 86400);
}

/** Unix seconds of a date. */
export function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}
