import { randomBytes, randomInt } from 'node:crypto';
import { intervalNumber } from '../../core/keys/intervals';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { pastDailyKeys } from '../demo/dev-health-authority';

/** The shares of a synthetic load, each from 0 to 1. */
export interface DiagnosisMix {
  /** Publishes flagged `traveler`. */
  travelers: number;
  /** Diagnoses certified `likely` (the others `confirmed`); these are the ones revised later. */
  likely: number;
  /** Diagnoses that also send today's key, still valid, so the node embargoes it until it expires. */
  sameDay: number;
  /** Daily keys before today, as a phone uploads them (1–14). */
  pastDays: number;
}

/** One synthetic diagnosis, ready to publish. */
export interface SyntheticDiagnosis {
  keys: PublishKeyInput[];
  reportType: 'confirmed' | 'likely';
  traveler: boolean;
  sameDay: boolean;
}

const chance = (share: number) => randomInt(0, 1_000_000) < share * 1_000_000;

/** A diagnosis drawn from `mix` at `now`: random keys, random transmission risk, the flags by their shares. */
export function syntheticDiagnosis(mix: DiagnosisMix, now: Date): SyntheticDiagnosis {
  const keys = pastDailyKeys(now, mix.pastDays, randomInt(0, 9));
  const sameDay = chance(mix.sameDay);
  if (sameDay) {
    const today = Math.floor(intervalNumber(now) / 144) * 144;
    keys.unshift({
      key: randomBytes(16).toString('base64'),
      rollingStartNumber: today,
      rollingPeriod: 144,
      transmissionRisk: keys[0]?.transmissionRisk ?? 0,
    });
  }
  return { keys, reportType: chance(mix.likely) ? 'likely' : 'confirmed', traveler: chance(mix.travelers), sameDay };
}
