/** Region codes are compared upper-cased and trimmed, without duplicates, in a stable order. */
export function normalizeRegions(regions: readonly string[]): string[] {
  return [...new Set(regions.map((r) => r.trim().toUpperCase()).filter((r) => r.length > 0))].sort();
}
