import type { DecodedKey } from '../../../core/export/format/export-reader';
import { fromWireReportType, WireReportType } from '../../../core/keys/report-type';
import type { IncomingKey } from '../../pool/incoming-keys';

/**
 * A key of a COVID Alert file in the pool's vocabulary. The reference writes neither a report type nor days since
 * onset (its keys are all uploaded with a health authority's one-time code): a missing report type becomes
 * `confirmed`, as the reference export importer backfills it; days since onset stay unknown. Report types the
 * pool drops (RECURSIVE, out of range) and keys without an interval become `undefined`, counted as invalid.
 */
export function incomingFromDay(key: DecodedKey, region: string): IncomingKey | undefined {
  const wire = key.reportType ?? WireReportType.UNKNOWN;
  const reportType = wire === WireReportType.UNKNOWN ? 'confirmed' : fromWireReportType(wire);
  if (reportType === undefined || key.rollingStartIntervalNumber === undefined) return undefined;
  return {
    key: key.keyData,
    transmissionRisk: key.transmissionRiskLevel ?? 0,
    intervalNumber: key.rollingStartIntervalNumber,
    intervalCount: key.rollingPeriod,
    regions: [region],
    traveler: false,
    reportType,
    daysSinceOnset: key.daysSinceOnsetOfSymptoms ?? null,
  };
}
