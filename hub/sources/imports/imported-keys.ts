import type { DecodedKey } from '../../../core/export/format/export-reader';
import { KEY_LENGTH } from '../../../core/keys/exposure-key';
import { fromWireReportType, WireReportType, type ReportType } from '../../../core/keys/report-type';
import type { IncomingKey } from '../../pool/incoming-keys';
import type { ExportBinHeader } from './export-bin-reader';
import { ImportError } from './import-errors';
import type { ExportImport } from './imports.repository';
import type { VerifiedSignature } from './verify-export';

/** How far in the future a file's end timestamp may lie (clock skew between servers). */
const MAX_FUTURE_SECONDS = 3600;

/**
 * Checks the header of a verified file: a real time window that has begun, a region, and a batch position that
 * agrees with the accepted signature (a signature made for another batch does not vouch for this one).
 */
export function checkExportHeader(h: ExportBinHeader, s: VerifiedSignature, now: Date, name: string): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const fail = (why: string) => new ImportError('export_invalid', `${name}: ${why}`);
  if (!(h.startTimestamp > 0 && h.endTimestamp > h.startTimestamp)) {
    throw fail('the start and end timestamps are not a time window');
  }
  if (h.endTimestamp > nowSeconds + MAX_FUTURE_SECONDS) throw fail('the time window ends in the future');
  if (h.region.length === 0 || h.region.length > 64) throw fail('the region is missing or too long');
  if (!(h.batchSize >= 1 && h.batchNum >= 1 && h.batchNum <= h.batchSize)) {
    throw fail(`batch ${h.batchNum} of ${h.batchSize} is not a batch position`);
  }
  if (s.batchNum !== h.batchNum || s.batchSize !== h.batchSize) {
    throw fail('the signature was made for another batch than the header names');
  }
}

/**
 * One key of an export file in the pool's vocabulary, as the reference importer takes it in: the import's region
 * and traveler flag; a missing (or UNKNOWN) report type and missing days since onset backfilled with the import's
 * values; RECURSIVE keys dropped (undefined); everything else is validated again by the pool.
 */
export function incomingFromExport(k: DecodedKey, imp: ExportImport): IncomingKey | undefined {
  if (k.keyData.length !== KEY_LENGTH || k.rollingStartIntervalNumber === undefined) return undefined;
  let reportType: ReportType;
  if (k.reportType === undefined || k.reportType === WireReportType.UNKNOWN) {
    reportType = imp.backfillReportType ?? '';
  } else {
    const known = fromWireReportType(k.reportType);
    if (known === undefined) return undefined;
    reportType = known;
  }
  return {
    key: k.keyData,
    transmissionRisk: k.transmissionRiskLevel ?? 0,
    intervalNumber: k.rollingStartIntervalNumber,
    intervalCount: k.rollingPeriod,
    regions: [imp.region],
    traveler: imp.traveler,
    reportType,
    daysSinceOnset: k.daysSinceOnsetOfSymptoms ?? imp.backfillDaysSinceOnset,
  };
}
