import { intervalNumber, intervalStart, utcMidnight } from '../../../core/keys/intervals';
import { KEY_LIMITS } from '../../../core/keys/key-limits';

const DAY_MS = 86_400_000;

/** True when an onset interval is in the past and not older than UTC midnight of (now − 28 days). */
export function isUsableOnset(onset: number | undefined, now: Date): onset is number {
  if (onset === undefined || onset <= 0) return false;
  const oldest = intervalNumber(utcMidnight(new Date(now.getTime() - KEY_LIMITS.MAX_SYMPTOM_ONSET_AGE_DAYS * DAY_MS)));
  return onset >= oldest && onset <= intervalNumber(now);
}

/**
 * The onset interval a publish uses (docs/publish-api.md, "Derived fields"): the request's if usable, else
 * the certificate's if usable, else now − 4 days.
 */
export function chooseOnsetInterval(
  fromRequest: number | undefined,
  fromCertificate: number | undefined,
  now: Date,
): number {
  if (isUsableOnset(fromRequest, now)) return fromRequest;
  if (isUsableOnset(fromCertificate, now)) return fromCertificate;
  return intervalNumber(new Date(now.getTime() - KEY_LIMITS.DEFAULT_ONSET_DAYS_AGO * DAY_MS));
}

/** Whole days between the UTC midnights of the key's start and of the onset. */
export function daysSinceOnset(keyStartInterval: number, onsetInterval: number): number {
  const keyDay = utcMidnight(intervalStart(keyStartInterval)).getTime();
  const onsetDay = utcMidnight(intervalStart(onsetInterval)).getTime();
  return Math.round((keyDay - onsetDay) / DAY_MS);
}
