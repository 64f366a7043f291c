import test from 'ava';
import { intervalNumber } from '../../core/keys/intervals';
import { DEFAULT_VALIDATION_LIMITS } from '../../core/keys/key-limits';
import { validateKey, type KeyRejection, type KeyToValidate } from '../../core/keys/validate-key';

const now = new Date('2026-11-22T12:00:00Z');
const current = intervalNumber(now);
const base: KeyToValidate = {
  key: Buffer.alloc(16, 1),
  intervalNumber: current - 144,
  intervalCount: 144,
  transmissionRisk: 4,
  daysSinceOnset: 0,
};

const cases: Array<[string, Partial<KeyToValidate>, KeyRejection | undefined]> = [
  ['a valid key', {}, undefined],
  ['15 bytes', { key: Buffer.alloc(15) }, 'invalid_key_length'],
  ['17 bytes', { key: Buffer.alloc(17) }, 'invalid_key_length'],
  ['rolling period 0', { intervalCount: 0 }, 'invalid_rolling_period'],
  ['rolling period 1 (boundary)', { intervalCount: 1, intervalNumber: current }, undefined],
  ['rolling period 145', { intervalCount: 145 }, 'invalid_rolling_period'],
  ['expired just beyond 15 days', { intervalNumber: current - 15 * 144 - 145 }, 'key_expired'],
  ['expired exactly at 15 days (boundary)', { intervalNumber: current - 15 * 144 - 144 }, undefined],
  ['starts next interval', { intervalNumber: current + 1 }, 'key_in_future'],
  ['starts this interval (boundary)', { intervalNumber: current }, undefined],
  ['transmission risk 9', { transmissionRisk: 9 }, 'invalid_transmission_risk'],
  ['transmission risk -1', { transmissionRisk: -1 }, 'invalid_transmission_risk'],
  ['transmission risk 8 (boundary)', { transmissionRisk: 8 }, undefined],
  ['days since onset 15', { daysSinceOnset: 15 }, 'invalid_days_since_onset'],
  ['days since onset -15', { daysSinceOnset: -15 }, 'invalid_days_since_onset'],
  ['days since onset 14 (boundary)', { daysSinceOnset: 14 }, undefined],
  ['no days since onset', { daysSinceOnset: null }, undefined],
];

for (const [name, change, expected] of cases) {
  test(`validateKey: ${name}`, (t) => {
    t.is(validateKey({ ...base, ...change }, now, DEFAULT_VALIDATION_LIMITS), expected);
  });
}
