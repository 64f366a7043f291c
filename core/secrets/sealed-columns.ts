import type pg from 'pg';
import { inTransaction } from '../db/transaction';
import type { KekSealer } from './kek-sealer';
import { isSealed, sealedKekId } from './sealed-secret';
import type { SecretSealer } from './secret-sealer';

/**
 * Every column of the schema that holds a secret, written through the SecretSealer. A new secret column must be
 * listed here, or `kek seal` and `kek rewrap` would leave it behind.
 */
export const SEALED_COLUMNS = [
  { table: 'server_secrets', key: 'name', column: 'sealed' },
  { table: 'signing_keys', key: 'id', column: 'private_key_sealed' },
  { table: 'revision_token_keys', key: 'id', column: 'key_bytes' },
  { table: 'covid_alert_key_pairs', key: 'id', column: 'server_private_key_sealed' },
  { table: 'device_api_signing_keys', key: 'id', column: 'private_key_sealed' },
  { table: 'covid_alert_sources', key: 'id', column: 'retrieve_key_sealed' },
] as const;

/** Arbitrary constant naming the advisory lock that serialises sealing and re-wrapping across processes. */
const SEALING_LOCK = 0x6b656b31;

/** Rows changed per table. */
export type SealCounts = Record<string, number>;

/**
 * Rewrites every secret row of every sealed column in one transaction: `rewrite` returns the new value, or
 * undefined to leave the row as it is. Rows are locked as they are read, so a concurrent writer waits.
 */
async function rewriteAll(
  pool: pg.Pool,
  rewrite: (stored: Buffer) => Promise<Buffer | undefined>,
): Promise<SealCounts> {
  return inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock($1)', [SEALING_LOCK]);
    const counts: SealCounts = {};
    for (const { table, key, column } of SEALED_COLUMNS) {
      const { rows } = await client.query<{ k: string; v: Buffer }>(
        `select ${key}::text as k, ${column} as v from ${table} where ${column} is not null for update`,
      );
      let changed = 0;
      for (const row of rows) {
        const next = await rewrite(row.v);
        if (next === undefined) continue;
        await client.query(`update ${table} set ${column} = $2 where ${key}::text = $1`, [row.k, next]);
        changed++;
      }
      counts[table] = changed;
    }
    return counts;
  });
}

/** Seals every plaintext secret row under `sealer`'s KEK (rows already sealed are left as they are). Idempotent. */
export function sealPlaintextSecrets(pool: pg.Pool, sealer: KekSealer): Promise<SealCounts> {
  return rewriteAll(pool, async (stored) => (isSealed(stored) ? undefined : sealer.seal(stored)));
}

/**
 * KEK rotation: opens every sealed secret with `from` and seals it again under `to`, all in one transaction (a
 * failure leaves every row as it was). Rows already under `to` are skipped, so a re-run after a crash is harmless;
 * a row under neither KEK (or still plaintext) aborts the whole re-wrap with the opener's error.
 */
export function rewrapSecrets(pool: pg.Pool, from: SecretSealer, to: KekSealer): Promise<SealCounts> {
  return rewriteAll(pool, async (stored) => {
    if (isSealed(stored) && sealedKekId(stored) === to.kekId) return undefined;
    return to.seal(await from.open(stored));
  });
}

/** The KEK ids the stored secrets are sealed under (plaintext rows are not counted). */
export async function sealedKekIds(pool: pg.Pool): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const { table, column } of SEALED_COLUMNS) {
    const { rows } = await pool.query<{ v: Buffer }>(`select ${column} as v from ${table} where ${column} is not null`);
    for (const row of rows) if (isSealed(row.v)) ids.add(sealedKekId(row.v));
  }
  return ids;
}
