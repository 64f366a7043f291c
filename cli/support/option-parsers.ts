import { duration } from '../../core/config/env';
import { normalizeRegions } from '../../core/keys/regions';
import { UsageError } from './usage-error';

/** A required string option, trimmed; `--name is required` when absent or blank. */
export function required(value: string | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** A comma-separated option as a list (empty when absent). */
export function commaList(value: string | undefined): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];
}

/** A comma-separated region list, upper-cased, deduplicated and sorted (empty when absent). */
export function regionList(value: string | undefined): string[] {
  return normalizeRegions(commaList(value));
}

/** An ISO 8601 date option, or `fallback` when absent. */
export function isoDate(value: string | undefined, name: string, fallback: Date | null): Date | null {
  if (value === undefined) return fallback;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`--${name} must be an ISO 8601 date, e.g. 2026-01-01T00:00:00Z`);
  }
  return date;
}

/** A duration option (`90`, `30s`, `15m`, `1h`, `7d`) in seconds, or `fallback` when absent. */
export function durationOption(value: string | undefined, name: string, fallbackSeconds: number): number {
  const parsed = duration(fallbackSeconds).safeParse(value);
  if (!parsed.success) throw new UsageError(`--${name}: expected a duration such as 30s, 15m, 1h or 7d`);
  return parsed.data;
}

/** A whole-number option in [min, max], or `fallback` when absent. */
export function wholeNumber(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}
