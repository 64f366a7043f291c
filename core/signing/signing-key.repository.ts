import type pg from 'pg';

/** A stored signing key without its private half (what listings and app developers see). */
export interface SigningKeyInfo {
  id: number;
  keyId: string;
  version: string;
  publicKeyPem: string;
  activeFrom: Date;
  activeUntil: Date | null;
}

/** A signing key with its private key, for the export worker only. */
export interface SigningKeyWithSecret extends SigningKeyInfo {
  privateKeyPem: string;
}

const INFO_COLUMNS = `id, key_id as "keyId", version, public_key_pem as "publicKeyPem",
  active_from as "activeFrom", active_until as "activeUntil"`;

/** Queries of `signing_keys`. */
export class SigningKeyRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async insert(key: {
    keyId: string;
    version: string;
    privateKeyPem: string;
    publicKeyPem: string;
    activeFrom: Date;
  }): Promise<SigningKeyInfo> {
    const result = await this.db.query<SigningKeyInfo>(
      `insert into signing_keys (key_id, version, private_key_pem, public_key_pem, active_from)
       values ($1, $2, $3, $4, $5) returning ${INFO_COLUMNS}`,
      [key.keyId, key.version, key.privateKeyPem, key.publicKeyPem, key.activeFrom],
    );
    return result.rows[0]!;
  }

  /** Every key, oldest first. */
  async list(): Promise<SigningKeyInfo[]> {
    return (await this.db.query<SigningKeyInfo>(`select ${INFO_COLUMNS} from signing_keys order by id`)).rows;
  }

  /** Versions already used under `keyId`. */
  async versions(keyId: string): Promise<string[]> {
    const result = await this.db.query<{ version: string }>('select version from signing_keys where key_id = $1', [
      keyId,
    ]);
    return result.rows.map((r) => r.version);
  }

  /** Keys active at `at` (active_from ≤ at < active_until), with private keys, oldest first. */
  async activeAt(at: Date): Promise<SigningKeyWithSecret[]> {
    const result = await this.db.query<SigningKeyWithSecret>(
      `select ${INFO_COLUMNS}, private_key_pem as "privateKeyPem" from signing_keys
       where active_from <= $1 and (active_until is null or active_until > $1) order by id`,
      [at],
    );
    return result.rows;
  }

  /** Retires, at `until`, every key that would otherwise stay active longer (except `keepId`). */
  async retireAllBut(keepId: number, until: Date): Promise<number> {
    const result = await this.db.query(
      `update signing_keys set active_until = $2
       where id <> $1 and (active_until is null or active_until > $2)`,
      [keepId, until],
    );
    return result.rowCount ?? 0;
  }
}
