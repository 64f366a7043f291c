import { INTERVALS_PER_DAY, intervalNumber } from '../../../core/keys/intervals';
import type { RevisableKey } from './revision-token';

/**
 * The keys the token returned by a publish lists: the keys of the request's own (opened) token that can
 * still be revised, then this publish's keys not already listed. Phones keep only the latest token, so a
 * token naming only the latest keys would strand the earlier ones (the reference server builds the same
 * union). A previous key stays while it ended no longer than `maxIntervalAgeDays` ago, the age beyond which
 * a publish drops it anyway, which also bounds the token's size.
 */
export function nextTokenKeys(
  previous: readonly RevisableKey[],
  published: readonly RevisableKey[],
  now: Date,
  maxIntervalAgeDays: number,
): RevisableKey[] {
  const oldestEnd = intervalNumber(now) - maxIntervalAgeDays * INTERVALS_PER_DAY;
  const listed = new Set<string>();
  const out: RevisableKey[] = [];
  const add = (k: RevisableKey) => {
    const id = k.key.toString('hex');
    if (listed.has(id)) return;
    listed.add(id);
    out.push({ key: k.key, intervalNumber: k.intervalNumber, intervalCount: k.intervalCount });
  };
  for (const k of previous) if (k.intervalNumber + k.intervalCount >= oldestEnd) add(k);
  for (const k of published) add(k);
  return out;
}
