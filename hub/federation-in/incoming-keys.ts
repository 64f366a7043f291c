import { DEFAULT_VALIDATION_LIMITS } from '../../core/keys/key-limits';
import { normalizeRegions } from '../../core/keys/regions';
import { validateKey } from '../../core/keys/validate-key';
import { fromWireKey, type FederatedKey } from '../../core/federation/key-wire';
import type { WireExposureKey } from '../../core/federation/federation.proto';

/** Keys of one list of a page, as columns for one multi-row statement. */
export interface KeyColumns {
  keys: Buffer[];
  transmissionRisks: number[];
  intervalNumbers: number[];
  intervalCounts: number[];
  /** Comma-joined (PostgreSQL arrays of arrays must be rectangular); region codes never contain commas. */
  regions: string[];
  travelers: boolean[];
  reportTypes: string[];
  daysSinceOnset: (number | null)[];
}

/** Region codes we store: letters, digits, '-' and '_' (after upper-casing). */
const REGION_CODE = /^[A-Z0-9_-]{1,32}$/;

/**
 * Validates a list of incoming keys again (a trust boundary, spec: "Pulling") and lays the survivors out as
 * columns. Dropped keys are only counted. A key repeated within the list keeps its last copy, so that one
 * statement never touches a row twice.
 */
export function prepareIncoming(
  wire: readonly WireExposureKey[],
  now: Date,
  options: { acceptSelfReport: boolean },
): { columns: KeyColumns; invalid: number } {
  const byKey = new Map<string, FederatedKey>();
  let invalid = 0;
  for (const w of wire) {
    const key = fromWireKey(w);
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
  const list = [...byKey.values()];
  return {
    invalid,
    columns: {
      keys: list.map((k) => k.key),
      transmissionRisks: list.map((k) => k.transmissionRisk),
      intervalNumbers: list.map((k) => k.intervalNumber),
      intervalCounts: list.map((k) => k.intervalCount),
      regions: list.map((k) => k.regions.join(',')),
      travelers: list.map((k) => k.traveler),
      reportTypes: list.map((k) => k.reportType),
      daysSinceOnset: list.map((k) => k.daysSinceOnset),
    },
  };
}
