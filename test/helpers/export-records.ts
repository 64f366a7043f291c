import type pg from 'pg';
import type { DecodedKey } from '../../core/export/format/export-reader';
import { toWireReportType, type ReportType } from '../../core/keys/report-type';

/** A stored key as export records: its primary values and, once revised, its revised values. */
export interface StoredExportRecords {
  primary: DecodedKey;
  revised: DecodedKey | undefined;
}

interface Row {
  key: Buffer;
  transmission_risk: number;
  interval_number: number;
  interval_count: number;
  report_type: ReportType;
  days_since_onset: number | null;
  revised_report_type: ReportType | null;
  revised_transmission_risk: number | null;
  revised_days_since_onset: number | null;
}

function record(
  key: Buffer,
  risk: number,
  start: number,
  period: number,
  type: ReportType,
  dso: number | null,
): DecodedKey {
  return {
    keyData: key,
    transmissionRiskLevel: risk,
    rollingStartIntervalNumber: start,
    rollingPeriod: period,
    reportType: toWireReportType(type),
    daysSinceOnsetOfSymptoms: dso ?? undefined,
  };
}

/**
 * Every key of a server's database (hex → records) in the shape `decodeExportBin` gives, so a test can
 * compare an export, wherever it was made, with what the publishing node stored.
 */
export async function storedExportRecords(pool: pg.Pool): Promise<Map<string, StoredExportRecords>> {
  const result = await pool.query<Row>(
    `select key, transmission_risk, interval_number, interval_count, report_type, days_since_onset,
       revised_report_type, revised_transmission_risk, revised_days_since_onset from exposure_keys`,
  );
  return new Map(
    result.rows.map((r) => [
      r.key.toString('hex'),
      {
        primary: record(
          r.key,
          r.transmission_risk,
          r.interval_number,
          r.interval_count,
          r.report_type,
          r.days_since_onset,
        ),
        revised:
          r.revised_report_type === null
            ? undefined
            : record(
                r.key,
                r.revised_transmission_risk ?? r.transmission_risk,
                r.interval_number,
                r.interval_count,
                r.revised_report_type,
                r.revised_days_since_onset ?? r.days_since_onset,
              ),
      },
    ]),
  );
}
