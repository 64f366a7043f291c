import type pg from 'pg';
import type { CodeTestType } from '../codes/one-time-code.repository';

/** A verification token as stored (by its MAC). */
export interface StoredToken {
  testType: CodeTestType;
  symptomDate: string | null;
  expiresAt: Date;
  usedAt: Date | null;
}

/** device_api_tokens: a token per verified code, exchanged for at most one certificate. */
export class TokenRepository {
  constructor(private readonly pool: pg.Pool) {}

  async insert(
    client: pg.PoolClient,
    token: { tokenMac: Buffer; testType: CodeTestType; symptomDate: string | null; expiresAt: Date },
  ): Promise<void> {
    await client.query(
      'insert into device_api_tokens (token_mac, test_type, symptom_date, expires_at) values ($1, $2, $3, $4)',
      [token.tokenMac, token.testType, token.symptomDate, token.expiresAt],
    );
  }

  /** The token, locked for the caller's transaction. */
  async lock(client: pg.PoolClient, tokenMac: Buffer): Promise<StoredToken | undefined> {
    const { rows } = await client.query<StoredToken>(
      `select test_type as "testType", to_char(symptom_date, 'YYYY-MM-DD') as "symptomDate",
              expires_at as "expiresAt", used_at as "usedAt"
         from device_api_tokens where token_mac = $1 for update`,
      [tokenMac],
    );
    return rows[0];
  }

  async markUsed(client: pg.PoolClient, tokenMac: Buffer, at: Date): Promise<void> {
    await client.query('update device_api_tokens set used_at = $2 where token_mac = $1', [tokenMac, at]);
  }

  /** Deletes tokens past their lifetime, used or not. */
  async deleteExpired(now: Date): Promise<number> {
    return (await this.pool.query('delete from device_api_tokens where expires_at <= $1', [now])).rowCount ?? 0;
  }
}
