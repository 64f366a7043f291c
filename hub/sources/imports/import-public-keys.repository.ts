import { createPublicKey } from 'node:crypto';
import type pg from 'pg';
import { AlreadyExistsError, BadRequestError, NotFoundError } from '../../../core/errors/app-error';

/** A remote server's export signing public key, as configured for one import. */
export interface ImportPublicKey {
  id: number;
  importId: number;
  keyId: string;
  keyVersion: string;
  publicKeyPem: string;
  validFrom: Date;
  validUntil: Date | null;
  revokedAt: Date | null;
}

export type NewImportPublicKey = Pick<
  ImportPublicKey,
  'importId' | 'keyId' | 'keyVersion' | 'publicKeyPem' | 'validFrom' | 'validUntil'
>;

interface Row {
  id: number;
  import_id: number;
  key_id: string;
  key_version: string;
  public_key_pem: string;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
}

function toKey(row: Row): ImportPublicKey {
  return {
    id: row.id,
    importId: row.import_id,
    keyId: row.key_id,
    keyVersion: row.key_version,
    publicKeyPem: row.public_key_pem,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revokedAt: row.revoked_at,
  };
}

/** True when `key` may verify a file at `at`: inside its validity window and not revoked. */
export function isKeyValidAt(key: ImportPublicKey, at: Date): boolean {
  if (key.revokedAt && key.revokedAt <= at) return false;
  if (key.validFrom > at) return false;
  return key.validUntil === null || key.validUntil > at;
}

/** `import_public_keys`: the signing keys each import's files are verified with. */
export class ImportPublicKeyRepository {
  constructor(private readonly pool: pg.Pool | pg.ClientBase) {}

  async listFor(importId: number): Promise<ImportPublicKey[]> {
    const result = await this.pool.query<Row>(
      'select * from import_public_keys where import_id = $1 order by key_id, key_version',
      [importId],
    );
    return result.rows.map(toKey);
  }

  /** Adds a key; the PEM must be an EC P-256 public key (export signatures are ECDSA P-256). */
  async add(key: NewImportPublicKey): Promise<ImportPublicKey> {
    let pem: string;
    try {
      const parsed = createPublicKey(key.publicKeyPem);
      if (parsed.asymmetricKeyType !== 'ec' || parsed.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error('not P-256');
      }
      pem = parsed.export({ type: 'spki', format: 'pem' }).toString();
    } catch {
      throw new BadRequestError('the public key must be a PEM EC P-256 public key', 'invalid_public_key');
    }
    try {
      const result = await this.pool.query<Row>(
        `insert into import_public_keys (import_id, key_id, key_version, public_key_pem, valid_from, valid_until)
         values ($1, $2, $3, $4, $5, $6) returning *`,
        [key.importId, key.keyId, key.keyVersion, pem, key.validFrom, key.validUntil],
      );
      return toKey(result.rows[0] as Row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AlreadyExistsError(`key ${key.keyId}/${key.keyVersion} exists`, 'import_key_exists');
      }
      throw err;
    }
  }

  /** Revokes a key from `at` on: files are no longer accepted under it. */
  async revoke(importId: number, keyId: string, keyVersion: string, at: Date): Promise<void> {
    const result = await this.pool.query(
      `update import_public_keys set revoked_at = coalesce(revoked_at, $4)
       where import_id = $1 and key_id = $2 and key_version = $3`,
      [importId, keyId, keyVersion, at],
    );
    if (result.rowCount === 0) {
      throw new NotFoundError(`no key ${keyId}/${keyVersion} for this import`, 'import_key_not_found');
    }
  }
}
