import { EXPORT_FILE_MIN_RECORDS, EXPORT_FILE_PADDING_RANGE } from '../format/export-format';
import type { ExportFileReport } from './export-file-report';

/** What a set of export files holds, in a tester's terms. */
export interface ExportSummary {
  files: number;
  failedFiles: number;
  keys: number;
  revisedKeys: number;
  regions: string[];
  reportTypes: Record<string, number>;
  /** The earliest file start and the latest file end (ISO 8601), absent when no file decoded. */
  windows?: { from: string; thru: string };
  /** The days the keys cover (UTC dates of the earliest key start and the latest key end). */
  keyDays?: { from: string; thru: string };
  /**
   * Padding cannot be told from real keys (fake keys copy real keys' fields), so this is an estimate: files
   * whose record count lies in the usual padding band (1000..1100 records) are probably padded, and at most
   * `paddingUpperBound` of their records are fake.
   */
  padding: { likelyPaddedFiles: number; paddingUpperBound: number };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const day = (interval: number) => new Date(interval * 600_000).toISOString().slice(0, 10);

/** Sums the file reports. */
export function summarizeExports(reports: readonly ExportFileReport[]): ExportSummary {
  const summary: ExportSummary = {
    files: reports.length,
    failedFiles: reports.filter((r) => !r.ok).length,
    keys: 0,
    revisedKeys: 0,
    regions: [],
    reportTypes: {},
    padding: { likelyPaddedFiles: 0, paddingUpperBound: 0 },
  };
  const regions = new Set<string>();
  let from: number | undefined;
  let thru: number | undefined;
  let firstInterval: number | undefined;
  let lastEnd: number | undefined;
  for (const r of reports) {
    summary.keys += r.keys;
    summary.revisedKeys += r.revisedKeys;
    if (r.region) regions.add(r.region);
    for (const [type, n] of Object.entries(r.reportTypes))
      summary.reportTypes[type] = (summary.reportTypes[type] ?? 0) + n;
    if (r.startTimestamp !== undefined) from = Math.min(from ?? r.startTimestamp, r.startTimestamp);
    if (r.endTimestamp !== undefined) thru = Math.max(thru ?? r.endTimestamp, r.endTimestamp);
    if (r.firstInterval !== undefined) firstInterval = Math.min(firstInterval ?? r.firstInterval, r.firstInterval);
    if (r.lastIntervalEnd !== undefined) lastEnd = Math.max(lastEnd ?? r.lastIntervalEnd, r.lastIntervalEnd);
    const records = r.keys + r.revisedKeys;
    if (records >= EXPORT_FILE_MIN_RECORDS && records <= EXPORT_FILE_MIN_RECORDS + EXPORT_FILE_PADDING_RANGE) {
      summary.padding.likelyPaddedFiles++;
      // A padded file had at least one real key; all the others may be fake.
      summary.padding.paddingUpperBound += records - 1;
    }
  }
  summary.regions = [...regions].sort();
  if (from !== undefined && thru !== undefined) summary.windows = { from: iso(from), thru: iso(thru) };
  if (firstInterval !== undefined && lastEnd !== undefined)
    summary.keyDays = { from: day(firstInterval), thru: day(lastEnd - 1) };
  return summary;
}
