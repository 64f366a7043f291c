import type pg from 'pg';
import type { ExposureKey } from '../../../core/keys/exposure-key';
import { toKeyColumns } from '../../../core/keys/storage/key-columns';

/** How storing an upload ended. */
export type UploadStoreOutcome =
  | { kind: 'stored'; inserted: number }
  | { kind: 'replayed_nonce' }
  | { kind: 'budget_spent' }
  | { kind: 'over_budget' }
  | { kind: 'key_pair_gone' };

/**
 * One upload in one statement (one implicit transaction): lock the key pair, record the nonce (a nonce already
 * recorded for the pair means a replay: nothing is stored), insert the keys that are new (a key stored before,
 * from anyone, is skipped and not charged, as the reference does), and charge the key pair's budget with what was
 * inserted. A charge beyond the budget breaks the table's `remaining_keys >= 0` check, which undoes the whole
 * statement: TOO_MANY_KEYS with nothing stored, as the reference rolls back.
 */
const STORE_UPLOAD = `with pair as (
    select id, remaining_keys from covid_alert_key_pairs where id = $1 for update
  ),
  nonce as (
    insert into covid_alert_nonces (key_pair_id, nonce)
    select id, $2 from pair where remaining_keys > 0
    on conflict do nothing
    returning key_pair_id
  ),
  inserted as (
    insert into exposure_keys (key, transmission_risk, interval_number, interval_count, days_since_onset, created_at,
      regions, traveler, report_type, local_provenance, health_authority_id)
    select u.key, u.tr, u.inum, u.icount, u.dsos, u.created, $9::text[], false, $10::text, true, null
      from unnest($3::bytea[], $4::smallint[], $5::integer[], $6::integer[], $7::smallint[], $8::timestamptz[])
           as u(key, tr, inum, icount, dsos, created)
     where exists (select 1 from nonce)
    on conflict (key) do nothing
    returning 1
  ),
  charged as (
    update covid_alert_key_pairs p set remaining_keys = p.remaining_keys - (select count(*) from inserted)
     where p.id in (select key_pair_id from nonce)
    returning p.remaining_keys
  )
  select (select remaining_keys from pair) as before, (select count(*)::int from nonce) as nonces,
         (select count(*)::int from inserted) as inserted, (select remaining_keys from charged) as after`;

const CHECK_VIOLATION = '23514';

/** exposure_keys and the key pair's budget, as the upload path writes them. */
export class UploadKeysRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores an upload's keys (all of one region and report type) for key pair `keyPairId`. */
  async store(keyPairId: number, nonce: Buffer, keys: readonly ExposureKey[]): Promise<UploadStoreOutcome> {
    const columns = toKeyColumns(keys);
    let row: { before: number | null; nonces: number; inserted: number } | undefined;
    try {
      const result = await this.pool.query<{ before: number | null; nonces: number; inserted: number }>({
        name: 'covid_alert_store_upload',
        text: STORE_UPLOAD,
        values: [
          keyPairId,
          nonce,
          columns.keys,
          columns.transmissionRisks,
          columns.intervalNumbers,
          columns.intervalCounts,
          columns.daysSinceOnset,
          keys.map((k) => k.createdAt),
          keys[0]?.regions ?? [],
          keys[0]?.reportType ?? '',
        ],
      });
      row = result.rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === CHECK_VIOLATION) return { kind: 'over_budget' };
      throw err;
    }
    if (!row || row.before === null) return { kind: 'key_pair_gone' };
    if (row.before === 0) return { kind: 'budget_spent' };
    if (row.nonces === 0) return { kind: 'replayed_nonce' };
    return { kind: 'stored', inserted: row.inserted };
  }
}
