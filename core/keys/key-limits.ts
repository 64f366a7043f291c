/** Protocol bounds from docs/publish-api.md; the configurable ones are defaults. */
export const KEY_LIMITS = {
  MAX_KEYS_ON_PUBLISH: 30,
  MAX_SAME_START_INTERVAL_KEYS: 3,
  MAX_INTERVAL_AGE_ON_PUBLISH_DAYS: 15,
  MAX_SYMPTOM_ONSET_DAYS: 14,
  MIN_TRANSMISSION_RISK: 0,
  MAX_TRANSMISSION_RISK: 8,
  MIN_ROLLING_PERIOD: 1,
  MAX_ROLLING_PERIOD: 144,
  /** Symptom onset older than this many days before now is ignored. */
  MAX_SYMPTOM_ONSET_AGE_DAYS: 28,
  /** Days before now assumed as onset when neither request nor certificate gives a usable one. */
  DEFAULT_ONSET_DAYS_AGO: 4,
} as const;

/** The limits a validation pass runs with (defaults from KEY_LIMITS, overridable by config). */
export interface KeyValidationLimits {
  maxIntervalAgeDays: number;
  maxSymptomOnsetDays: number;
}

export const DEFAULT_VALIDATION_LIMITS: KeyValidationLimits = {
  maxIntervalAgeDays: KEY_LIMITS.MAX_INTERVAL_AGE_ON_PUBLISH_DAYS,
  maxSymptomOnsetDays: KEY_LIMITS.MAX_SYMPTOM_ONSET_DAYS,
};
