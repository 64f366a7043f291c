import { KEY_LENGTH } from './exposure-key';
import { INTERVALS_PER_DAY, intervalNumber } from './intervals';
import { KEY_LIMITS, type KeyValidationLimits } from './key-limits';

/** The fields of a key that are checked at every trust boundary (publish and federation-in). */
export interface KeyToValidate {
  key: Buffer;
  intervalNumber: number;
  intervalCount: number;
  transmissionRisk: number;
  daysSinceOnset: number | null;
}

/** Why a key was dropped; stable strings, used in publish warnings and federation-in counts. */
export type KeyRejection =
  | 'invalid_key_length'
  | 'invalid_rolling_period'
  | 'key_expired'
  | 'key_in_future'
  | 'invalid_transmission_risk'
  | 'invalid_days_since_onset';

/**
 * Checks one key against the per-key rules. Pure: the caller passes `now`.
 * Returns the first broken rule, or undefined when the key is valid.
 */
export function validateKey(key: KeyToValidate, now: Date, limits: KeyValidationLimits): KeyRejection | undefined {
  if (key.key.length !== KEY_LENGTH) return 'invalid_key_length';
  if (
    !Number.isInteger(key.intervalCount) ||
    key.intervalCount < KEY_LIMITS.MIN_ROLLING_PERIOD ||
    key.intervalCount > KEY_LIMITS.MAX_ROLLING_PERIOD
  ) {
    return 'invalid_rolling_period';
  }
  const current = intervalNumber(now);
  const oldestAllowed = current - limits.maxIntervalAgeDays * INTERVALS_PER_DAY;
  if (!Number.isInteger(key.intervalNumber) || key.intervalNumber + key.intervalCount < oldestAllowed) {
    return 'key_expired';
  }
  if (key.intervalNumber > current) return 'key_in_future';
  if (
    !Number.isInteger(key.transmissionRisk) ||
    key.transmissionRisk < KEY_LIMITS.MIN_TRANSMISSION_RISK ||
    key.transmissionRisk > KEY_LIMITS.MAX_TRANSMISSION_RISK
  ) {
    return 'invalid_transmission_risk';
  }
  if (key.daysSinceOnset !== null && Math.abs(key.daysSinceOnset) > limits.maxSymptomOnsetDays) {
    return 'invalid_days_since_onset';
  }
  return undefined;
}
