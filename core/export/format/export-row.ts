/**
 * One key as the export pipeline carries it: the fixed-width row PostgreSQL's binary COPY sends for the
 * export query (see `export-keys.query.ts`). Keeping rows in this form end to end means no object per key
 * on the hot path: rows are parsed and encoded straight from the COPY buffers.
 *
 * Layout (big-endian): int16 field count (6), then per field int32 length + value:
 * key bytea(16), transmission risk int2, interval number int4, interval count int4,
 * wire report type int2 (REPORT_ABSENT when none), days since onset int2 (DSOS_NULL when none).
 */
export const ROW_SIZE = 56;
export const ROW_FIELDS = 6;
export const ROW_OFFSET = { keyLength: 2, key: 6, transmissionRisk: 26, interval: 32, count: 40, report: 48, dsos: 54 };
/** Sentinel for "no report type" (the wire field is then absent). */
export const REPORT_ABSENT = -1;
/** Sentinel for "no days since onset" (smallint minimum; never a real value, |dsos| ≤ 14). */
export const DSOS_NULL = -32768;

/** A key with the values that go on the wire. */
export interface ExportRecord {
  keyData: Buffer;
  transmissionRiskLevel: number;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
  /** Wire ReportType, or undefined when the field is absent. */
  reportType?: number;
  /** Undefined or null when absent. */
  daysSinceOnsetOfSymptoms?: number | null;
}

/** Builds the row of a record (tests, padding and the golden vector; the hot path never builds rows). */
export function recordToRow(record: ExportRecord): Buffer {
  const row = Buffer.alloc(ROW_SIZE);
  row.writeInt16BE(ROW_FIELDS, 0);
  row.writeInt32BE(16, 2);
  record.keyData.copy(row, ROW_OFFSET.key, 0, 16);
  row.writeInt32BE(2, 22);
  row.writeInt16BE(record.transmissionRiskLevel, ROW_OFFSET.transmissionRisk);
  row.writeInt32BE(4, 28);
  row.writeInt32BE(record.rollingStartIntervalNumber, ROW_OFFSET.interval);
  row.writeInt32BE(4, 36);
  row.writeInt32BE(record.rollingPeriod, ROW_OFFSET.count);
  row.writeInt32BE(2, 44);
  row.writeInt16BE(record.reportType ?? REPORT_ABSENT, ROW_OFFSET.report);
  row.writeInt32BE(2, 50);
  row.writeInt16BE(record.daysSinceOnsetOfSymptoms ?? DSOS_NULL, ROW_OFFSET.dsos);
  return row;
}

/** Compares the key bytes of two rows (the order of keys in a file). */
export function compareRowKeys(a: Buffer, aOffset: number, b: Buffer, bOffset: number): number {
  return Buffer.compare(
    a.subarray(aOffset + ROW_OFFSET.key, aOffset + ROW_OFFSET.key + 16),
    b.subarray(bOffset + ROW_OFFSET.key, bOffset + ROW_OFFSET.key + 16),
  );
}
