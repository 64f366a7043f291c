import type { ExposureKey } from '../exposure-key';

/** The fields of a key that every writer of exposure_keys stores. */
export type KeyColumnFields = Pick<
  ExposureKey,
  'key' | 'transmissionRisk' | 'intervalNumber' | 'intervalCount' | 'regions' | 'traveler' | 'daysSinceOnset'
> & { reportType: string };

/**
 * Keys as one array per column, for one multi-row statement (`unnest($1::bytea[], …)`) or a COPY. Regions travel
 * comma-joined, because PostgreSQL arrays of arrays must be rectangular (region codes never contain commas).
 */
export interface KeyColumns {
  keys: Buffer[];
  transmissionRisks: number[];
  intervalNumbers: number[];
  intervalCounts: number[];
  regions: string[];
  travelers: boolean[];
  reportTypes: string[];
  daysSinceOnset: (number | null)[];
}

/** Lays `keys` out as columns. */
export function toKeyColumns(keys: readonly KeyColumnFields[]): KeyColumns {
  return {
    keys: keys.map((k) => k.key),
    transmissionRisks: keys.map((k) => k.transmissionRisk),
    intervalNumbers: keys.map((k) => k.intervalNumber),
    intervalCounts: keys.map((k) => k.intervalCount),
    regions: keys.map((k) => k.regions.join(',')),
    travelers: keys.map((k) => k.traveler),
    reportTypes: keys.map((k) => k.reportType),
    daysSinceOnset: keys.map((k) => k.daysSinceOnset),
  };
}

/** The entries of `columns` whose index passes `keep`. */
export function pickKeyColumns(columns: KeyColumns, keep: (index: number) => boolean): KeyColumns {
  const idx = columns.keys.map((_, i) => i).filter(keep);
  const take = <T>(list: T[]) => idx.map((i) => list[i] as T);
  return {
    keys: take(columns.keys),
    transmissionRisks: take(columns.transmissionRisks),
    intervalNumbers: take(columns.intervalNumbers),
    intervalCounts: take(columns.intervalCounts),
    regions: take(columns.regions),
    travelers: take(columns.travelers),
    reportTypes: take(columns.reportTypes),
    daysSinceOnset: take(columns.daysSinceOnset),
  };
}
