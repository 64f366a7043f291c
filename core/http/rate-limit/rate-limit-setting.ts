/** A limit: at most `points` requests per client in `durationSeconds`. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

/** How a limit is written in the environment. */
export const RATE_LIMIT_FORMAT = 'POINTS/WINDOW with WINDOW like 30s, 1m, 1h (e.g. 60/1m), or 0 to disable';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Parses `60/1m` (60 requests a minute), `10/30s`, `1000/1h`; `0` is off (null). Undefined when malformed, so
 * the config section can report it with every other problem at once.
 */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return null;
  const match = /^(\d{1,7})\/(\d{0,6})(s|m|h)$/.exec(trimmed);
  if (!match) return undefined;
  const points = Number(match[1]);
  const durationSeconds = Number(match[2] === '' ? 1 : match[2]) * UNIT_SECONDS[match[3]!]!;
  if (points < 1 || durationSeconds < 1) return undefined;
  return { points, durationSeconds };
}
