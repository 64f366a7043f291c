import type pg from 'pg';
import type { ExposureKey } from '../../../core/keys/exposure-key';
import type { ReportType } from '../../../core/keys/report-type';

/** What is stored already for a key that a publish re-sends. */
export interface StoredKeyState {
  key: Buffer;
  intervalNumber: number;
  intervalCount: number;
  reportType: ReportType;
  revisedReportType: ReportType | null;
  revisedAt: Date | null;
}

/** A revision to apply to a stored key. */
export interface KeyRevision {
  key: Buffer;
  reportType: ReportType;
  revisedAt: Date;
  daysSinceOnset: number | null;
  transmissionRisk: number;
}

/**
 * Decides, from the stored state of the re-sent keys, which keys to insert and which to revise. It may
 * throw (an AppError): then nothing of the request is stored.
 */
export type PlanWrites = (existing: StoredKeyState[]) => { insert: ExposureKey[]; revise: KeyRevision[] };

/** What a publish stored. */
export interface StoreOutcome {
  inserted: number;
  revised: number;
}

/**
 * Stores one publish whole or not at all, in one transaction: one select of the already stored keys
 * (locked, so a concurrent revision waits), one multi-row insert and at most one multi-row update.
 * Every key of one publish shares regions, traveler, report type and authority, so those go once.
 */
export async function storePublish(pool: pg.Pool, keys: readonly ExposureKey[], plan: PlanWrites): Promise<StoreOutcome> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const existing = await client.query<{
      key: Buffer;
      interval_number: number;
      interval_count: number;
      report_type: ReportType;
      revised_report_type: ReportType | null;
      revised_at: Date | null;
    }>(
      `select key, interval_number, interval_count, report_type, revised_report_type, revised_at
         from exposure_keys where key = any($1::bytea[]) for update`,
      [keys.map((k) => k.key)],
    );
    const writes = plan(
      existing.rows.map((r) => ({
        key: r.key,
        intervalNumber: r.interval_number,
        intervalCount: r.interval_count,
        reportType: r.report_type,
        revisedReportType: r.revised_report_type,
        revisedAt: r.revised_at,
      })),
    );
    const inserted = await insertKeys(client, writes.insert);
    const revised = await reviseKeys(client, writes.revise, writes.insert[0]?.regions ?? keys[0]?.regions ?? []);
    await client.query('commit');
    return { inserted, revised };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function insertKeys(client: pg.PoolClient, keys: readonly ExposureKey[]): Promise<number> {
  const first = keys[0];
  if (!first) return 0;
  const result = await client.query(
    `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, days_since_onset, created_at,
                                regions, traveler, report_type, local_provenance, health_authority_id)
     select u.key, u.tr, u.inum, u.icount, u.dsos, u.created, $7::text[], $8, $9, true, $10
       from unnest($1::bytea[], $2::smallint[], $3::integer[], $4::integer[], $5::smallint[], $6::timestamptz[])
            as u(key, tr, inum, icount, dsos, created)
     on conflict (key) do nothing`,
    [
      keys.map((k) => k.key),
      keys.map((k) => k.transmissionRisk),
      keys.map((k) => k.intervalNumber),
      keys.map((k) => k.intervalCount),
      keys.map((k) => k.daysSinceOnset),
      keys.map((k) => k.createdAt),
      first.regions,
      first.traveler,
      first.reportType,
      first.healthAuthorityId,
    ],
  );
  return result.rowCount ?? 0;
}

async function reviseKeys(client: pg.PoolClient, revisions: readonly KeyRevision[], regions: string[]): Promise<number> {
  if (revisions.length === 0) return 0;
  // A revision also adds the publishing app's regions, so the revised key reaches them too.
  const result = await client.query(
    `update exposure_keys e
        set revised_report_type = u.type, revised_at = u.at, revised_days_since_onset = u.dsos,
            revised_transmission_risk = u.tr,
            regions = array(select distinct r from unnest(e.regions || $6::text[]) as r order by r)
       from unnest($1::bytea[], $2::text[], $3::timestamptz[], $4::smallint[], $5::smallint[]) as u(key, type, at, dsos, tr)
      where e.key = u.key and e.revised_at is null`,
    [
      revisions.map((r) => r.key),
      revisions.map((r) => r.reportType),
      revisions.map((r) => r.revisedAt),
      revisions.map((r) => r.daysSinceOnset),
      revisions.map((r) => r.transmissionRisk),
      regions,
    ],
  );
  return result.rowCount ?? 0;
}
