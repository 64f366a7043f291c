import { REPORT_TYPES, toWireReportType } from '../../keys/report-type';
import { DSOS_NULL, REPORT_ABSENT } from '../format/export-row';

/** Which keys of the window a config takes (see export-config.ts for the rule in words). */
export interface RegionRule {
  inputRegions: readonly string[];
  excludeRegions: readonly string[];
  includeTravelers: boolean;
  onlyTravelers: boolean;
}

/** The input region that stands for every region (a hub's national file). */
export const ALL_REGIONS = '*';

/** Quotes a literal for SQL (COPY takes no bind parameters). */
export type Escape = (value: string) => string;

/** `case <column> when 'confirmed' then 1 … else -1 end`, built from the one mapping in core/keys. */
function wireReportType(column: string, escape: Escape): string {
  const arms: string[] = [];
  for (const type of REPORT_TYPES) {
    const wire = toWireReportType(type);
    if (wire !== undefined) arms.push(`when ${escape(type)} then ${wire}`);
  }
  return `(case ${column} ${arms.join(' ')} else ${REPORT_ABSENT} end)::int2`;
}

function textArray(values: readonly string[], escape: Escape): string {
  return `array[${values.map(escape).join(',')}]::text[]`;
}

/**
 * The region rule as SQL: a key is taken when its regions meet the input regions (or it is a traveler
 * key and travelers are included), none of its regions is excluded, and, for only-travelers configs, it is
 * a traveler key.
 */
export function regionPredicate(rule: RegionRule, escape: Escape): string {
  const include: string[] = [];
  if (rule.inputRegions.includes(ALL_REGIONS)) include.push('true');
  else if (rule.inputRegions.length > 0) include.push(`regions && ${textArray(rule.inputRegions, escape)}`);
  if (rule.includeTravelers || rule.onlyTravelers) include.push('traveler');
  const parts = [include.length > 0 ? `(${include.join(' or ')})` : 'false'];
  if (rule.excludeRegions.length > 0) parts.push(`not (regions && ${textArray(rule.excludeRegions, escape)})`);
  if (rule.onlyTravelers) parts.push('traveler');
  return parts.join(' and ');
}

function window(column: string, start: Date, end: Date, escape: Escape): string {
  return `${column} >= ${escape(start.toISOString())}::timestamptz and ${column} < ${escape(end.toISOString())}::timestamptz`;
}

/** Keys that arrived in [start, end), as export rows sorted by key bytes. */
export function primaryKeysSelect(rule: RegionRule, start: Date, end: Date, escape: Escape): string {
  return `select key, transmission_risk::int2, interval_number::int4, interval_count::int4,
      ${wireReportType('report_type', escape)}, coalesce(days_since_onset, ${DSOS_NULL})::int2
    from exposure_keys
    where ${window('created_at', start, end, escape)} and ${regionPredicate(rule, escape)}
    order by key`;
}

/** Keys revised in [start, end), with their revised values, as export rows sorted by key bytes. */
export function revisedKeysSelect(rule: RegionRule, start: Date, end: Date, escape: Escape): string {
  return `select key, coalesce(revised_transmission_risk, transmission_risk)::int2, interval_number::int4,
      interval_count::int4, ${wireReportType('revised_report_type', escape)},
      coalesce(revised_days_since_onset, ${DSOS_NULL})::int2
    from exposure_keys
    where ${window('revised_at', start, end, escape)} and ${regionPredicate(rule, escape)}
    order by key`;
}
