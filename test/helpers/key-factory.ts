import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { FederatedKey } from '../../core/federation/key-wire';
import { intervalNumber } from '../../core/keys/intervals';
import { toKeyColumns } from '../../core/keys/storage/key-columns';

/** A key row for seeding tests; every field has a valid default. */
export interface SeedKey extends FederatedKey {
  createdAt: Date;
  localProvenance: boolean;
  originQueryId: number | null;
  revisedReportType: string | null;
  revisedAt: Date | null;
}

/** A valid confirmed key with random bytes, starting one day before `now`. */
export function makeKey(overrides: Partial<SeedKey> = {}, now = new Date()): SeedKey {
  return {
    key: randomBytes(16),
    transmissionRisk: 2,
    intervalNumber: intervalNumber(now) - 144,
    intervalCount: 144,
    regions: ['CA'],
    traveler: false,
    reportType: 'confirmed',
    daysSinceOnset: 1,
    createdAt: new Date(now.getTime() - 3 * 3600_000),
    localProvenance: true,
    originQueryId: null,
    revisedReportType: null,
    revisedAt: null,
    ...overrides,
  };
}

/** Inserts keys with one multi-row statement (regions travel comma-joined: arrays of arrays must be square); a client may hold it in an open transaction. */
export async function insertKeys(pool: pg.Pool | pg.ClientBase, keys: SeedKey[]): Promise<void> {
  if (keys.length === 0) return;
  const columns = toKeyColumns(keys);
  await pool.query(
    `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
       report_type, days_since_onset, created_at, local_provenance, origin_query_id, revised_report_type, revised_at)
     select k, tr, inum, icount, string_to_array(r, ','), trav, rt, dso, ca, lp, oq, rrt, ra
     from unnest($1::bytea[], $2::int[], $3::int[], $4::int[], $5::text[], $6::bool[], $7::text[], $8::int[],
                 $9::timestamptz[], $10::bool[], $11::int[], $12::text[], $13::timestamptz[])
       as t(k, tr, inum, icount, r, trav, rt, dso, ca, lp, oq, rrt, ra)`,
    [
      columns.keys,
      columns.transmissionRisks,
      columns.intervalNumbers,
      columns.intervalCounts,
      columns.regions,
      columns.travelers,
      columns.reportTypes,
      columns.daysSinceOnset,
      keys.map((k) => k.createdAt),
      keys.map((k) => k.localProvenance),
      keys.map((k) => k.originQueryId),
      keys.map((k) => k.revisedReportType),
      keys.map((k) => k.revisedAt),
    ],
  );
}

/** Marks a stored key revised (what an allowed revision does), at `at`. */
export async function reviseKey(pool: pg.Pool, key: Buffer, reportType: string, at: Date): Promise<void> {
  await pool.query('update exposure_keys set revised_report_type = $2, revised_at = $3 where key = $1', [
    key,
    reportType,
    at,
  ]);
}
