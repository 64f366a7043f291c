/** Region codes as stored and accepted on the wire: letters, digits, '-' and '_' (after upper-casing), ≤ 32. */
export const REGION_CODE = /^[A-Z0-9_-]{1,32}$/;

/** Region codes are compared upper-cased and trimmed, without duplicates, in a stable order. */
export function normalizeRegions(regions: readonly string[]): string[] {
  return [...new Set(regions.map((r) => r.trim().toUpperCase()).filter((r) => r.length > 0))].sort();
}

/** The given codes that are not region codes (after normalizing), e.g. text with control characters. */
export function invalidRegions(regions: readonly string[]): string[] {
  return normalizeRegions(regions).filter((r) => !REGION_CODE.test(r));
}
