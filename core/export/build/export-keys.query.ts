import { REPORT_TYPES, toWireReportType } from '../../keys/report-type';
import { regionPredicate, type RegionRule } from '../../keys/storage/region-predicate';
import { REVISED_VALUES } from '../../keys/storage/revised-values';
import type { SqlValue } from '../../keys/storage/sql-value';
import type { ExportConfigRecord } from '../configs/export-config.model';
import { DSOS_NULL, REPORT_ABSENT } from '../format/export-row';

/** The region rule of an export config. */
export function exportRegionRule(config: ExportConfigRecord): RegionRule {
  return {
    include: config.inputRegions,
    exclude: config.excludeRegions,
    includeTravelers: config.includeTravelers,
    onlyTravelers: config.onlyTravelers,
  };
}

/** `case <column> when 'confirmed' then 1 … else -1 end`, built from the one mapping in core/keys. */
function wireReportType(column: string, value: SqlValue): string {
  const arms: string[] = [];
  for (const type of REPORT_TYPES) {
    const wire = toWireReportType(type);
    if (wire !== undefined) arms.push(`when ${value(type)} then ${wire}`);
  }
  return `(case ${column} ${arms.join(' ')} else ${REPORT_ABSENT} end)::int2`;
}

function window(column: string, start: Date, end: Date, value: SqlValue): string {
  return `${column} >= ${value(start.toISOString())}::timestamptz and ${column} < ${value(end.toISOString())}::timestamptz`;
}

/**
 * `select` sorted by key, planned as "find the window's rows, then sort them". Sorting on `substr(key, 1)` (the
 * same bytes, so the same order) keeps PostgreSQL from walking the primary-key index for the order instead: when
 * a window holds a large share of the table (a first export, a big import) it picks that plan, which fetches
 * every heap row in random order. With a warm cache that costs about what the scan and sort cost and streams
 * from the first row; under memory pressure it took 1.3–1.7 s per 1 M keys, and at 10 M keys (table larger than
 * shared_buffers) 26–28 s against 7 s (bench:export, EXPLAIN (ANALYZE, BUFFERS)). The price is that no row leaves
 * before the sort ends. Unlike an `offset 0` fence, the expression leaves the scan and sort free to run in
 * parallel workers (EXPORT_READ_SETTINGS), which shortens that wait.
 */
function scanThenSortByKey(select: string): string {
  return `${select} order by substr(key, 1)`;
}

/** The sort of a large window stays in memory (1 M keys take ~95 MB sorted). */
export const EXPORT_WORK_MEM = `set local work_mem = '128MB'`;

/**
 * Settings for the transaction that reads a window, `set local` before the query: the sort stays in memory, and
 * a large window is scanned and sorted by parallel workers merged in key order (PostgreSQL's default cost of
 * passing rows from a worker rates that plan dearer than a single process for any window; it was 0.65–0.70 s
 * against 0.50–0.57 s for 1 M keys). Small windows keep a single process: starting workers costs more.
 */
export const EXPORT_READ_SETTINGS = [EXPORT_WORK_MEM, 'set local parallel_tuple_cost = 0.01'];

/** Keys that arrived in [start, end), as export rows sorted by key bytes. */
export function primaryKeysSelect(rule: RegionRule, start: Date, end: Date, value: SqlValue): string {
  return scanThenSortByKey(`select key, transmission_risk::int2, interval_number::int4, interval_count::int4,
      ${wireReportType('report_type', value)}, coalesce(days_since_onset, ${DSOS_NULL})::int2
    from exposure_keys
    where ${window('created_at', start, end, value)} and ${regionPredicate(rule, value)}`);
}

/** Keys revised in [start, end), with their revised values, as export rows sorted by key bytes. */
export function revisedKeysSelect(rule: RegionRule, start: Date, end: Date, value: SqlValue): string {
  return scanThenSortByKey(`select key, ${REVISED_VALUES.transmissionRisk}::int2, interval_number::int4,
      interval_count::int4, ${wireReportType(REVISED_VALUES.reportType, value)},
      coalesce(${REVISED_VALUES.daysSinceOnset}, ${DSOS_NULL})::int2
    from exposure_keys
    where ${window('revised_at', start, end, value)} and ${regionPredicate(rule, value)}`);
}
