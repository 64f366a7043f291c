import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../../core/db/transaction';
import { BadRequestError } from '../../../core/errors/app-error';
import type { SecretSealer } from '../../../core/secrets/secret-sealer';
import { p256PublicKeyPem } from '../../../core/signing/p256-key';

/** A device API signing key as listed (never its private half). */
export interface DeviceKeyInfo {
  iss: string;
  aud: string;
  kid: string;
  createdAt: Date;
  trustedFrom: Date | null;
  trustedThru: Date | null;
  publicKeyPem: string | null;
}

/** The key that signs certificates now, with what its certificates must name. */
export interface CertificateSigningKey {
  iss: string;
  aud: string;
  kid: string;
  privateKey: KeyObject;
}

/** Defaults of a node's own health authority (`enfed admin device-api key create`). */
export const DEFAULT_DEVICE_API_ISS = 'enfed-device-api';
export const DEFAULT_DEVICE_API_AUD = 'enfed-node';

/**
 * device_api_signing_keys: the P-256 keys this node signs verification certificates with, each the private half of
 * a key its publish path trusts (a health_authority_keys row of the node's own health authority, `kid` = version).
 * Private keys are stored sealed (PKCS#8 DER through the SecretSealer).
 */
export class DeviceKeyRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: SecretSealer,
  ) {}

  /**
   * Creates a signing key and trusts it, in one transaction: the health authority `iss` (created, or reused when
   * its aud matches), a new key version `vN` trusted from `now`, and the sealed private key.
   */
  async create(input: { iss: string; aud: string; name: string; now: Date }): Promise<DeviceKeyInfo> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = p256PublicKeyPem(privateKey);
    const sealed = await this.sealer.seal(privateKey.export({ type: 'pkcs8', format: 'der' }));
    return inTransaction(this.pool, async (client) => {
      await client.query(
        'insert into health_authorities (iss, aud, name) values ($1, $2, $3) on conflict (iss) do nothing',
        [input.iss, input.aud, input.name],
      );
      const authority = await client.query<{ id: number; aud: string }>(
        'select id, aud from health_authorities where iss = $1 for update',
        [input.iss],
      );
      const { id, aud } = authority.rows[0]!;
      if (aud !== input.aud) {
        throw new BadRequestError(`health authority ${input.iss} exists with aud "${aud}"`, 'aud_mismatch');
      }
      const versions = await client.query<{ version: string }>(
        'select version from health_authority_keys where health_authority_id = $1',
        [id],
      );
      const used = new Set(versions.rows.map((r) => r.version));
      let n = 1;
      while (used.has(`v${n}`)) n++;
      const kid = `v${n}`;
      await client.query(
        `insert into health_authority_keys (health_authority_id, version, from_timestamp, thru_timestamp, public_key_pem)
         values ($1, $2, $3, null, $4)`,
        [id, kid, input.now, publicKeyPem],
      );
      await client.query(
        `insert into device_api_signing_keys (health_authority_id, kid, private_key_sealed, created_at)
         values ($1, $2, $3, $4)`,
        [id, kid, sealed, input.now],
      );
      return {
        iss: input.iss,
        aud,
        kid,
        createdAt: input.now,
        trustedFrom: input.now,
        trustedThru: null,
        publicKeyPem,
      };
    });
  }

  /** Every signing key with its trust window (oldest first). */
  async list(): Promise<DeviceKeyInfo[]> {
    const { rows } = await this.pool.query<DeviceKeyInfo>(
      `select h.iss, h.aud, d.kid, d.created_at as "createdAt", k.from_timestamp as "trustedFrom",
              k.thru_timestamp as "trustedThru", k.public_key_pem as "publicKeyPem"
         from device_api_signing_keys d
         join health_authorities h on h.id = d.health_authority_id
         left join health_authority_keys k on k.health_authority_id = d.health_authority_id and k.version = d.kid
        order by d.id`,
    );
    return rows;
  }

  /**
   * The key to sign with at `now`: one whose public half is trusted now (not revoked), preferring keys trusted for at
   * least `activationDelaySeconds` (known to every replica's cache by then), newest first.
   */
  async current(now: Date, activationDelaySeconds: number): Promise<CertificateSigningKey | undefined> {
    const { rows } = await this.pool.query<{ iss: string; aud: string; kid: string; sealed: Buffer }>(
      `select h.iss, h.aud, d.kid, d.private_key_sealed as sealed
         from device_api_signing_keys d
         join health_authorities h on h.id = d.health_authority_id
         join health_authority_keys k on k.health_authority_id = d.health_authority_id and k.version = d.kid
        where k.from_timestamp <= $1 and (k.thru_timestamp is null or k.thru_timestamp > $1)
        order by (k.from_timestamp <= $2) desc, k.from_timestamp desc, d.id desc
        limit 1`,
      [now, new Date(now.getTime() - activationDelaySeconds * 1000)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const der = await this.sealer.open(row.sealed);
    return {
      iss: row.iss,
      aud: row.aud,
      kid: row.kid,
      privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    };
  }
}
