import type pg from 'pg';
import type { CodeTestType } from '../../codes/one-time-code.repository';

/** A claimed key pair as stored (the server's private key sealed). */
export interface NewKeyPair {
  serverPublicKey: Buffer;
  serverPrivateKeySealed: Buffer;
  appPublicKey: Buffer;
  region: string;
  testType: CodeTestType;
  symptomDate: string | null;
  remainingKeys: number;
  validFrom: Date;
  expiresAt: Date;
}

/** What an upload needs of its key pair. */
export interface KeyPairForUpload {
  id: number;
  serverPrivateKeySealed: Buffer;
  appPublicKey: Buffer;
  region: string;
  testType: CodeTestType;
  symptomDate: string | null;
  remainingKeys: number;
}

const UNIQUE_VIOLATION = '23505';

/**
 * covid_alert_key_pairs: one Curve25519 key pair per claimed code, usable for uploads until it expires or its
 * key budget is spent, then deleted by the cleanup job (with its nonces).
 */
export class KeyPairRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Whether an app public key is registered already (a key is accepted once). */
  async appKeyRegistered(appPublicKey: Buffer): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      name: 'covid_alert_app_key_registered',
      text: 'select 1 from covid_alert_key_pairs where app_public_key = $1',
      values: [appPublicKey],
    });
    return (rowCount ?? 0) > 0;
  }

  /** Stores a key pair in the claiming transaction; false when the app key was registered meanwhile. */
  async insert(client: pg.PoolClient, pair: NewKeyPair): Promise<boolean> {
    try {
      await client.query('savepoint key_pair');
      await client.query(
        `insert into covid_alert_key_pairs (server_public_key, server_private_key_sealed, app_public_key, region,
           test_type, symptom_date, remaining_keys, valid_from, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          pair.serverPublicKey,
          pair.serverPrivateKeySealed,
          pair.appPublicKey,
          pair.region,
          pair.testType,
          pair.symptomDate,
          pair.remainingKeys,
          pair.validFrom,
          pair.expiresAt,
        ],
      );
      await client.query('release savepoint key_pair');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await client.query('rollback to savepoint key_pair');
      return false;
    }
  }

  /** The unexpired key pair whose server public key this is. */
  async findForUpload(serverPublicKey: Buffer, now: Date): Promise<KeyPairForUpload | undefined> {
    const { rows } = await this.pool.query<KeyPairForUpload>({
      name: 'covid_alert_key_pair_for_upload',
      text: `select id, server_private_key_sealed as "serverPrivateKeySealed", app_public_key as "appPublicKey", region,
               test_type as "testType", to_char(symptom_date, 'YYYY-MM-DD') as "symptomDate",
               remaining_keys as "remainingKeys"
             from covid_alert_key_pairs where server_public_key = $1 and expires_at > $2`,
      values: [serverPublicKey, now],
    });
    return rows[0];
  }

  /** Deletes expired key pairs and those whose budget is spent (their nonces go with them). */
  async deleteSpent(now: Date): Promise<number> {
    const result = await this.pool.query(
      'delete from covid_alert_key_pairs where expires_at <= $1 or remaining_keys = 0',
      [now],
    );
    return result.rowCount ?? 0;
  }
}
