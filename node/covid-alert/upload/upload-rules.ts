import { UPLOAD_ERROR } from '../covidshield.proto';

/** The reference's limits (pkg/proto/covidshield/defs.go). */
export const UPLOAD_LIMITS = {
  NONCE_LENGTH: 24,
  KEY_LENGTH: 32,
  KEY_DATA_LENGTH: 16,
  MAX_KEYS: 28,
  MAX_ROLLING_PERIOD: 144,
  MAX_TRANSMISSION_RISK: 8,
  /** How far the upload's timestamp may be from the server's clock. */
  TIMESTAMP_TOLERANCE_SECONDS: 3600,
  /** The keys of one upload may span at most this many days. */
  MAX_SPAN_DAYS: 15,
} as const;

/** A key as decoded from an Upload. */
export interface UploadedKey {
  keyData: Buffer;
  transmissionRiskLevel: number;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
}

/** An upload rule broken: the reference's error code. */
export type UploadRuleError = (typeof UPLOAD_ERROR)[keyof typeof UPLOAD_ERROR];

/**
 * The reference's rules for the decrypted Upload, in its order: 1–28 keys, the timestamp within an hour of now,
 * then per key the rolling period (1–144), 16 bytes of key data, a start interval, a transmission risk of 0–8, and
 * finally the span of all start intervals (at most 15 days). Returns the first rule broken, or undefined.
 */
export function checkUpload(
  keys: readonly UploadedKey[],
  timestampSeconds: number | undefined,
  now: Date,
): UploadRuleError | undefined {
  if (keys.length === 0) return UPLOAD_ERROR.NO_KEYS_IN_PAYLOAD;
  if (keys.length > UPLOAD_LIMITS.MAX_KEYS) return UPLOAD_ERROR.TOO_MANY_KEYS;
  if (
    timestampSeconds === undefined ||
    Math.abs(now.getTime() / 1000 - timestampSeconds) > UPLOAD_LIMITS.TIMESTAMP_TOLERANCE_SECONDS
  ) {
    return UPLOAD_ERROR.INVALID_TIMESTAMP;
  }
  for (const key of keys) {
    if (key.rollingPeriod < 1 || key.rollingPeriod > UPLOAD_LIMITS.MAX_ROLLING_PERIOD)
      return UPLOAD_ERROR.INVALID_ROLLING_PERIOD;
    if (key.keyData.length !== UPLOAD_LIMITS.KEY_DATA_LENGTH) return UPLOAD_ERROR.INVALID_KEY_DATA;
    if (key.rollingStartIntervalNumber === 0) return UPLOAD_ERROR.INVALID_ROLLING_START_INTERVAL_NUMBER;
    if (key.transmissionRiskLevel < 0 || key.transmissionRiskLevel > UPLOAD_LIMITS.MAX_TRANSMISSION_RISK)
      return UPLOAD_ERROR.INVALID_TRANSMISSION_RISK_LEVEL;
  }
  const starts = keys.map((k) => k.rollingStartIntervalNumber);
  const span = Math.max(...starts) + UPLOAD_LIMITS.MAX_ROLLING_PERIOD - Math.min(...starts);
  if (span > UPLOAD_LIMITS.MAX_SPAN_DAYS * UPLOAD_LIMITS.MAX_ROLLING_PERIOD)
    return UPLOAD_ERROR.INVALID_ROLLING_START_INTERVAL_NUMBER;
  return undefined;
}
