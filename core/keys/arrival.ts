import { intervalNumber, intervalStart, truncate } from './intervals';

/**
 * The arrival time stored with a key (`created_at`): the moment it arrived truncated to the window, so that
 * arrival order is hidden; for a key that is still valid, the start of the first window at or after its
 * expiry, so that exports and federation never show it while a phone may still broadcast it.
 */
export function storedArrival(
  key: { intervalNumber: number; intervalCount: number },
  now: Date,
  windowSeconds: number,
): Date {
  const end = key.intervalNumber + key.intervalCount;
  if (end <= intervalNumber(now)) return truncate(now, windowSeconds);
  const windowMs = windowSeconds * 1000;
  return new Date(Math.ceil(intervalStart(end).getTime() / windowMs) * windowMs);
}
