import { DEFAULT_VALIDATION_LIMITS } from '../../core/keys/key-limits';
import { normalizeRegions, REGION_CODE } from '../../core/keys/regions';
import type { ReportType } from '../../core/keys/report-type';
import { toKeyColumns, type KeyColumnFields, type KeyColumns } from '../../core/keys/storage/key-columns';
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
 * the survivors out as columns. Dropped keys are only counted. A key repeated within the list keeps its last copy,
 * so that one statement never touches a row twice.
 */
export function prepareIncoming(
  incoming: readonly (IncomingKey | undefined)[],
  now: Date,
  options: { acceptSelfReport: boolean },
): { columns: KeyColumns; invalid: number } {
  const byKey = new Map<string, IncomingKey>();
  let invalid = 0;
  for (const key of incoming) {
    if (!key || (key.reportType === 'user-report' && !options.acceptSelfReport)) {
      invalid += 1;
      continue;
    }
    const regions = normalizeRegions(key.regions).filter((r) => REGION_CODE.test(r));
    // A traveler key may arrive with no region left after the sender trimmed them to our include set.
    if ((regions.length === 0 && !key.traveler) || validateKey(key, now, DEFAULT_VALIDATION_LIMITS) !== undefined) {
      invalid += 1;
      continue;
    }
    const hex = key.key.toString('hex');
    if (byKey.has(hex)) invalid += 1;
    byKey.set(hex, { ...key, regions });
  }
  return { invalid, columns: toKeyColumns([...byKey.values()]) };
}
