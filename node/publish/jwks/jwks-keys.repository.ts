import type pg from 'pg';
import { inTransaction } from '../../../core/db/transaction';
import { JwksFetchError, type JwksKey } from './fetch-jwks';

/** A health authority whose keys come from a JWKS document. */
export interface JwksAuthority {
  id: number;
  iss: string;
  jwksUri: string;
}

/** What one refresh changed. */
export interface JwksChanges {
  added: number;
  revoked: number;
}

/** The JWKS side of health_authorities and health_authority_keys, over a pg pool. */
export class JwksKeysRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Every authority with a non-empty jwks_uri. */
  async authorities(): Promise<JwksAuthority[]> {
    const { rows } = await this.pool.query<{ id: number; iss: string; jwks_uri: string }>(
      "select id, iss, jwks_uri from health_authorities where coalesce(jwks_uri, '') <> '' order by id",
    );
    return rows.map((r) => ({ id: r.id, iss: r.iss, jwksUri: r.jwks_uri }));
  }

  /** Deletes the authority's keys revoked (thru) before `before`; returns how many. */
  async purge(healthAuthorityId: number, before: Date): Promise<number> {
    const result = await this.pool.query(
      `delete from health_authority_keys
       where health_authority_id = $1 and thru_timestamp is not null and thru_timestamp < $2`,
      [healthAuthorityId, before],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Makes the authority's keys follow `published` (the reference server's rules): a key (matched by its public
   * key, not its kid) that is published and not stored is added, valid from `now`; a stored key that is no longer
   * published is revoked at `now` unless already revoked; a revoked key that reappears stays revoked (an operator
   * reinstates it). The authority row is locked, so replicas refreshing at once do not add a key twice.
   */
  async apply(healthAuthorityId: number, published: readonly JwksKey[], now: Date): Promise<JwksChanges> {
    return inTransaction(this.pool, async (client) => {
      await client.query('select id from health_authorities where id = $1 for update', [healthAuthorityId]);
      const { rows } = await client.query<{
        id: number;
        version: string;
        public_key_pem: string;
        from_timestamp: Date;
        thru_timestamp: Date | null;
      }>(
        `select id, version, public_key_pem, from_timestamp, thru_timestamp
         from health_authority_keys where health_authority_id = $1`,
        [healthAuthorityId],
      );
      const publishedPems = new Set(published.map((k) => k.publicKeyPem.trim()));
      const storedPems = new Set(rows.map((r) => r.public_key_pem.trim()));
      let revoked = 0;
      for (const row of rows) {
        if (publishedPems.has(row.public_key_pem.trim())) continue;
        if (row.thru_timestamp && row.thru_timestamp <= now) continue;
        const thru = row.from_timestamp > now ? row.from_timestamp : now;
        await client.query('update health_authority_keys set thru_timestamp = $2 where id = $1', [row.id, thru]);
        revoked++;
      }
      let added = 0;
      for (const key of published) {
        if (storedPems.has(key.publicKeyPem.trim())) continue;
        if (rows.some((r) => r.version === key.kid)) {
          throw new JwksFetchError(`kid ${key.kid} already names another key of this authority`);
        }
        await client.query(
          `insert into health_authority_keys (health_authority_id, version, from_timestamp, thru_timestamp, public_key_pem)
           values ($1, $2, $3, null, $4)`,
          [healthAuthorityId, key.kid, now, key.publicKeyPem],
        );
        added++;
      }
      return { added, revoked };
    });
  }

  /** Records a successful refresh and clears the last error. */
  async recordSuccess(healthAuthorityId: number, now: Date): Promise<void> {
    await this.pool.query(
      'update health_authorities set jwks_refreshed_at = $2, jwks_error = null, jwks_error_at = null where id = $1',
      [healthAuthorityId, now],
    );
  }

  /** Records why the last refresh failed (kept short). */
  async recordFailure(healthAuthorityId: number, message: string, now: Date): Promise<void> {
    await this.pool.query('update health_authorities set jwks_error = $2, jwks_error_at = $3 where id = $1', [
      healthAuthorityId,
      message.slice(0, 500),
      now,
    ]);
  }
}
