import { DEFAULT_VALIDATION_LIMITS } from '../../core/keys/key-limits';
import { normalizeRegions, REGION_CODE } from '../../core/keys/regions';
import type { ReportType } from '../../core/keys/report-type';
import type { KeyColumnFields, KeyColumns } from '../../core/keys/storage/key-columns';
import { validateKey } from '../../core/keys/validate-key';

/**
 * A key as a source hands it to the pool, already in our vocabulary. A source passes `undefined` for an entry
 * it could not read at all (e.g. a report type that is dropped on the way in); the pool counts it as invalid.
 */
export interface IncomingKey extends KeyColumnFields {
  reportType: ReportType;
}

/**
 * Validates a list of incoming keys again (a trust boundary: docs/federation.md, "federation-in: pulling") and lays
 * the survivors out as columns. Dropped keys are only counted. A key repeated within the list keeps its last copy
 * (at the place of its first), so that one statement never touches a row twice.
 *
 * Written for pages of 10,000 keys: the columns are filled directly (no intermediate object per key) and a lone
 * region, what nearly every key carries, is normalized once per distinct code rather than once per key.
 */
export function prepareIncoming(
  incoming: readonly (IncomingKey | undefined)[],
  now: Date,
  options: { acceptSelfReport: boolean },
): { columns: KeyColumns; invalid: number } {
  const columns: KeyColumns = {
    keys: [],
    transmissionRisks: [],
    intervalNumbers: [],
    intervalCounts: [],
    regions: [],
    travelers: [],
    reportTypes: [],
    daysSinceOnset: [],
  };
  const at = new Map<string, number>();
  const lone = new Map<string, string>();
  let invalid = 0;
  for (const key of incoming) {
    if (!key || (key.reportType === 'user-report' && !options.acceptSelfReport)) {
      invalid += 1;
      continue;
    }
    let regions: string;
    if (key.regions.length === 1) {
      const sent = key.regions[0] as string;
      let stored = lone.get(sent);
      if (stored === undefined) lone.set(sent, (stored = storedRegions(key.regions)));
      regions = stored;
    } else regions = storedRegions(key.regions);
    // A traveler key may arrive with no region left after the sender trimmed them to our include set.
    if ((regions === '' && !key.traveler) || validateKey(key, now, DEFAULT_VALIDATION_LIMITS) !== undefined) {
      invalid += 1;
      continue;
    }
    const hex = key.key.toString('hex');
    let i = at.get(hex);
    if (i === undefined) at.set(hex, (i = columns.keys.length));
    else invalid += 1;
    columns.keys[i] = key.key;
    columns.transmissionRisks[i] = key.transmissionRisk;
    columns.intervalNumbers[i] = key.intervalNumber;
    columns.intervalCounts[i] = key.intervalCount;
    columns.regions[i] = regions;
    columns.travelers[i] = key.traveler;
    columns.reportTypes[i] = key.reportType;
    columns.daysSinceOnset[i] = key.daysSinceOnset;
  }
  return { invalid, columns };
}

/** A key's regions as stored: normalized, only valid codes, comma-joined (KeyColumns' layout). */
function storedRegions(sent: readonly string[]): string {
  return normalizeRegions(sent)
    .filter((r) => REGION_CODE.test(r))
    .join(',');
}
