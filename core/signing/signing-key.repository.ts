import type pg from 'pg';
import type { SecretSealer } from '../secrets/secret-sealer';

/** A stored signing key without its private half (what listings and app developers see). */
export interface SigningKeyInfo {
  id: number;
  keyId: string;
  version: string;
  publicKeyPem: string;
  activeFrom: Date;
  activeUntil: Date | null;
  /** Set when the private key lives in the PKCS#11 token (its CKA_LABEL there); null when kept sealed here. */
  pkcs11Label: string | null;
}

/** Where a signing key's private half is: in this database (PEM, opened from its sealed form) or in the token. */
export type SigningKeyPrivate = { privateKeyPem: string } | { pkcs11Label: string };

/** A signing key with its private key (or its token label), for the export worker only. */
export type SigningKeyWithSecret = SigningKeyInfo & { private: SigningKeyPrivate };

const INFO_COLUMNS = `id, key_id as "keyId", version, public_key_pem as "publicKeyPem",
  active_from as "activeFrom", active_until as "activeUntil", pkcs11_label as "pkcs11Label"`;

/** Queries of `signing_keys`; private keys are sealed on the way in and opened on the way out. */
export class SigningKeyRepository {
  constructor(
    private readonly db: pg.Pool | pg.PoolClient,
    private readonly sealer: SecretSealer,
  ) {}

  async insert(key: {
    keyId: string;
    version: string;
    private: SigningKeyPrivate;
    publicKeyPem: string;
    activeFrom: Date;
  }): Promise<SigningKeyInfo> {
    const sealed =
      'privateKeyPem' in key.private ? await this.sealer.seal(Buffer.from(key.private.privateKeyPem, 'utf8')) : null;
    const label = 'pkcs11Label' in key.private ? key.private.pkcs11Label : null;
    const result = await this.db.query<SigningKeyInfo>(
      `insert into signing_keys (key_id, version, private_key_sealed, pkcs11_label, public_key_pem, active_from)
       values ($1, $2, $3, $4, $5, $6) returning ${INFO_COLUMNS}`,
      [key.keyId, key.version, sealed, label, key.publicKeyPem, key.activeFrom],
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

  /** Keys active at `at` (active_from ≤ at < active_until), with private keys opened, oldest first. */
  async activeAt(at: Date): Promise<SigningKeyWithSecret[]> {
    const result = await this.db.query<SigningKeyInfo & { sealed: Buffer | null }>(
      `select ${INFO_COLUMNS}, private_key_sealed as sealed from signing_keys
       where active_from <= $1 and (active_until is null or active_until > $1) order by id`,
      [at],
    );
    return Promise.all(
      result.rows.map(async ({ sealed, ...info }) => ({
        ...info,
        private:
          sealed === null
            ? { pkcs11Label: info.pkcs11Label! }
            : { privateKeyPem: (await this.sealer.open(sealed)).toString('utf8') },
      })),
    );
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
