import type pg from 'pg';
import { inTransaction } from '../../core/db/transaction';

/** Test types a code can carry (what the health authority says about the case). */
export const CODE_TEST_TYPES = ['confirmed', 'likely'] as const;
export type CodeTestType = (typeof CODE_TEST_TYPES)[number];

/** A code to store: its MAC and what claiming it grants. */
export interface NewCode {
  codeMac: Buffer;
  region: string;
  testType: CodeTestType;
  /** YYYY-MM-DD, or null. */
  symptomDate: string | null;
  /** MAC of the caller's hashed ID (`/new-key-claim/{hashID}`), or null. */
  hashIdMac: Buffer | null;
  createdAt: Date;
  expiresAt: Date;
}

/** What a claimed code grants. */
export interface ClaimedCode {
  region: string;
  testType: CodeTestType;
  symptomDate: string | null;
  createdAt: Date;
}

/** How an attempt to store a code ended. */
export type IssueOutcome = 'issued' | 'collision' | 'hash_id_claimed';

interface CodeRow {
  region: string;
  test_type: CodeTestType;
  symptom_date: string | null;
  created_at: Date;
  expires_at: Date;
  hash_id_mac: Buffer | null;
}

const UNIQUE_VIOLATION = '23505';

/**
 * one_time_codes and claimed_hash_ids. A code is one row until it is claimed (the row is deleted in the claiming
 * transaction) or expires (the cleanup job deletes it). A hashed ID whose code was claimed is remembered for the
 * retention period, so that it cannot get a second code meanwhile.
 */
export class OneTimeCodeRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Stores a code; with a hashed ID, replaces that ID's unclaimed code. `collision` means the code (or, for a
   * concurrent request, the hashed ID) was taken meanwhile: the caller draws again.
   */
  async issue(code: NewCode): Promise<IssueOutcome> {
    try {
      return await inTransaction(this.pool, async (client) => {
        if (code.hashIdMac) {
          const claimed = await client.query('select 1 from claimed_hash_ids where hash_id_mac = $1', [code.hashIdMac]);
          if ((claimed.rowCount ?? 0) > 0) return 'hash_id_claimed';
          await client.query('delete from one_time_codes where hash_id_mac = $1', [code.hashIdMac]);
        }
        await client.query(
          `insert into one_time_codes (code_mac, region, test_type, symptom_date, hash_id_mac, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [code.codeMac, code.region, code.testType, code.symptomDate, code.hashIdMac, code.createdAt, code.expiresAt],
        );
        return 'issued';
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return 'collision';
      throw err;
    }
  }

  /**
   * Claims the code with this MAC inside the caller's transaction: the row is deleted (single use) and its
   * hashed ID remembered. `expired` for a code past its lifetime that the cleanup job has not deleted yet
   * (deleted now as well); undefined when there is no such code. The caller's rollback undoes the claim.
   */
  async claim(client: pg.PoolClient, codeMac: Buffer, now: Date): Promise<ClaimedCode | 'expired' | undefined> {
    const { rows } = await client.query<CodeRow>(
      `delete from one_time_codes where code_mac = $1
       returning region, test_type, to_char(symptom_date, 'YYYY-MM-DD') as symptom_date, created_at, expires_at,
                 hash_id_mac`,
      [codeMac],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.expires_at.getTime() <= now.getTime()) return 'expired';
    if (row.hash_id_mac) {
      await client.query(
        `insert into claimed_hash_ids (hash_id_mac, claimed_at) values ($1, $2)
         on conflict (hash_id_mac) do update set claimed_at = excluded.claimed_at`,
        [row.hash_id_mac, now],
      );
    }
    return { region: row.region, testType: row.test_type, symptomDate: row.symptom_date, createdAt: row.created_at };
  }

  /** Deletes codes past their lifetime and hashed IDs claimed before `hashIdCutoff`. */
  async deleteExpired(now: Date, hashIdCutoff: Date): Promise<{ codes: number; hashIds: number }> {
    const codes = await this.pool.query('delete from one_time_codes where expires_at <= $1', [now]);
    const hashIds = await this.pool.query('delete from claimed_hash_ids where claimed_at < $1', [hashIdCutoff]);
    return { codes: codes.rowCount ?? 0, hashIds: hashIds.rowCount ?? 0 };
  }
}
