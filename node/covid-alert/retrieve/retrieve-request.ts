/** Where a `/retrieve` request for a day stands, by the reference's rules. */
export type RetrieveDay =
  | { kind: 'serve'; start: Date; end: Date }
  | { kind: 'current_day' }
  | { kind: 'future' }
  | { kind: 'gone' };

const DAY_MS = 86_400_000;
/** COVID Alert's "entire period" bundle: the served days before today in one file. */
export const ENTIRE_PERIOD = '00000';

/**
 * The window of a day number (days since the epoch, UTC, five digits as in the URL). Days before today − servedDays
 * are gone (410); future days and, unless `serveCurrentDay`, today are 404. `00000` is the bundle of the served days
 * before today when enabled (else day 0: gone).
 */
export function retrieveDay(
  day: string,
  now: Date,
  options: { servedDays: number; serveCurrentDay: boolean; entirePeriodBundle: boolean },
): RetrieveDay {
  const today = Math.floor(now.getTime() / DAY_MS);
  if (day === ENTIRE_PERIOD && options.entirePeriodBundle) {
    return { kind: 'serve', start: new Date((today - options.servedDays - 1) * DAY_MS), end: new Date(today * DAY_MS) };
  }
  const n = Number(day);
  if (n === today && !options.serveCurrentDay) return { kind: 'current_day' };
  if (n > today) return { kind: 'future' };
  if (n < today - options.servedDays) return { kind: 'gone' };
  return { kind: 'serve', start: new Date(n * DAY_MS), end: new Date((n + 1) * DAY_MS) };
}
