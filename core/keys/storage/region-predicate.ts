import type { SqlValue } from './sql-value';

/** The region that stands for every region (a hub's national export file). */
export const ALL_REGIONS = '*';

/**
 * Which keys a reader takes by region (an export config, or a partner's Fetch after authorization): keys whose
 * regions meet `include` (`*` = every region), or traveler keys when `includeTravelers`; never a key with a region
 * in `exclude`; only traveler keys when `onlyTravelers`.
 */
export interface RegionRule {
  include: readonly string[];
  exclude: readonly string[];
  includeTravelers: boolean;
  onlyTravelers: boolean;
}

/** The rule as a boolean SQL expression over exposure_keys' `regions` and `traveler` columns. */
export function regionPredicate(rule: RegionRule, value: SqlValue): string {
  const include: string[] = [];
  if (rule.include.includes(ALL_REGIONS)) include.push('true');
  else if (rule.include.length > 0) include.push(`regions && ${value(rule.include)}`);
  if (rule.includeTravelers || rule.onlyTravelers) include.push('traveler');
  const parts = [include.length > 0 ? `(${include.join(' or ')})` : 'false'];
  if (rule.exclude.length > 0) parts.push(`not (regions && ${value(rule.exclude)})`);
  if (rule.onlyTravelers) parts.push('traveler');
  return parts.join(' and ');
}
