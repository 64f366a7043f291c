import { BadRequestError } from '../errors/app-error';
import { invalidRegions, normalizeRegions } from '../keys/regions';

/** The regions a call may see: requested ∩ authorized include, requested ∪ authorized exclude. */
export interface EffectiveRegions {
  include: string[];
  exclude: string[];
}

/**
 * Combines a request with the caller's authorization (docs/federation.md, "Regions"). Requested include regions are
 * intersected with the authorized ones (either empty → nothing is served); exclusions are unioned. A request
 * whose own include and exclude sets overlap is a client mistake: INVALID_ARGUMENT.
 */
export function effectiveRegions(
  requested: { includeRegions: readonly string[]; excludeRegions: readonly string[] },
  authorized: { includeRegions: readonly string[]; excludeRegions: readonly string[] },
): EffectiveRegions {
  // Checked before anything else: region text goes into a query, and a client's typo deserves a clear answer.
  if (invalidRegions([...requested.includeRegions, ...requested.excludeRegions]).length > 0) {
    throw new BadRequestError('region codes are letters, digits, - and _ (at most 32 characters)', 'invalid_region');
  }
  const wantInclude = normalizeRegions(requested.includeRegions);
  const wantExclude = normalizeRegions(requested.excludeRegions);
  const overlap = wantInclude.filter((r) => wantExclude.includes(r));
  if (overlap.length > 0) {
    throw new BadRequestError(
      `includeRegions and excludeRegions overlap: ${overlap.join(', ')}`,
      'overlapping_regions',
    );
  }
  const allowed = new Set(normalizeRegions(authorized.includeRegions));
  const exclude = normalizeRegions([...wantExclude, ...authorized.excludeRegions]);
  const include = wantInclude.filter((r) => allowed.has(r) && !exclude.includes(r));
  return { include, exclude };
}

/** The regions sent with a key: its own, trimmed to the effective include set. */
export function trimRegions(keyRegions: readonly string[], effective: EffectiveRegions): string[] {
  return keyRegions.filter((r) => effective.include.includes(r));
}
