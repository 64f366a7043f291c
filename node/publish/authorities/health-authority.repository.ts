import type { EntityManager } from '@mikro-orm/postgresql';
import {
  HealthAuthority,
  HealthAuthorityKey,
  type IHealthAuthority,
  type IHealthAuthorityKey,
} from './health-authority.entity';

/** A health authority with its public keys, as stored. */
export interface StoredHealthAuthority {
  id: number;
  iss: string;
  aud: string;
  name: string;
  /** Where its keys are fetched from (JWKS), with the last refresh's outcome. */
  jwks: { uri: string; refreshedAt: Date | null; error: string | null; errorAt: Date | null } | null;
  keys: StoredHealthAuthorityKey[];
}

export interface StoredHealthAuthorityKey {
  version: string;
  from: Date;
  thru: Date | null;
  publicKeyPem: string;
}

function toKey(row: IHealthAuthorityKey): StoredHealthAuthorityKey {
  return {
    version: row.version,
    from: row.fromTimestamp,
    thru: row.thruTimestamp ?? null,
    publicKeyPem: row.publicKeyPem,
  };
}

async function withKeys(em: EntityManager, rows: IHealthAuthority[]): Promise<StoredHealthAuthority[]> {
  if (rows.length === 0) return [];
  const keys = await em.find(
    HealthAuthorityKey,
    { healthAuthorityId: { $in: rows.map((r) => r.id) } },
    { orderBy: { healthAuthorityId: 'asc', fromTimestamp: 'asc', version: 'asc' } },
  );
  return rows.map((r) => ({
    id: r.id,
    iss: r.iss,
    aud: r.aud,
    name: r.name,
    jwks: r.jwksUri
      ? {
          uri: r.jwksUri,
          refreshedAt: r.jwksRefreshedAt ?? null,
          error: r.jwksError ?? null,
          errorAt: r.jwksErrorAt ?? null,
        }
      : null,
    keys: keys.filter((k) => k.healthAuthorityId === r.id).map(toKey),
  }));
}

/** health_authorities and their keys, through an EntityManager fork (one per unit of work). */
export class HealthAuthorityRepository {
  constructor(private readonly em: EntityManager) {}

  /** The authority whose `iss` is exactly `iss`, with its keys. */
  async find(iss: string): Promise<StoredHealthAuthority | undefined> {
    const row = await this.em.findOne(HealthAuthority, { iss });
    return row ? (await withKeys(this.em, [row]))[0] : undefined;
  }

  /** Every authority with its keys, by iss. */
  async list(): Promise<StoredHealthAuthority[]> {
    return withKeys(this.em, await this.em.find(HealthAuthority, {}, { orderBy: { iss: 'asc' } }));
  }

  /** Ids of the authorities with these `iss` values; throws naming the first unknown one. */
  async idsByIss(issuers: string[]): Promise<number[]> {
    const rows = await this.em.find(HealthAuthority, { iss: { $in: issuers } });
    const missing = issuers.find((iss) => !rows.some((r) => r.iss === iss));
    if (missing !== undefined) throw new Error(`no health authority with iss "${missing}"`);
    return rows.map((r) => r.id);
  }

  /**
   * Creates the authority or updates its aud and name; `jwksUri` is set when given (null clears it) and left
   * as it is when undefined.
   */
  async upsert(input: {
    iss: string;
    aud: string;
    name: string;
    jwksUri?: string | null;
  }): Promise<{ created: boolean; id: number }> {
    const existing = await this.em.findOne(HealthAuthority, { iss: input.iss });
    const fields = {
      aud: input.aud,
      name: input.name,
      ...(input.jwksUri !== undefined ? { jwksUri: input.jwksUri } : {}),
    };
    const row = existing ?? this.em.create(HealthAuthority, { iss: input.iss, ...fields });
    if (existing) this.em.assign(existing, fields);
    await this.em.flush();
    return { created: !existing, id: row.id };
  }

  /** Adds a public key (already imported and checked) under `version`, or replaces that version's key and window. */
  async upsertKey(healthAuthorityId: number, key: StoredHealthAuthorityKey): Promise<{ created: boolean }> {
    const existing = await this.em.findOne(HealthAuthorityKey, { healthAuthorityId, version: key.version });
    const fields = { fromTimestamp: key.from, thruTimestamp: key.thru, publicKeyPem: key.publicKeyPem };
    if (existing) this.em.assign(existing, fields);
    else this.em.create(HealthAuthorityKey, { healthAuthorityId, version: key.version, ...fields });
    await this.em.flush();
    return { created: !existing };
  }

  /**
   * Revokes key `version` of the authority at `now`: its `thru` becomes `now` (never before its `from`, as in
   * the reference server). A key already revoked (thru at or before `now`) keeps its earlier `thru`, so a
   * second revoke does not push back the purge of a long-revoked key. Returns what happened.
   */
  async revokeKey(healthAuthorityId: number, version: string, now: Date): Promise<'revoked' | 'already' | 'missing'> {
    const row = await this.em.findOne(HealthAuthorityKey, { healthAuthorityId, version });
    if (!row) return 'missing';
    if (row.thruTimestamp && row.thruTimestamp <= now) return 'already';
    row.thruTimestamp = row.fromTimestamp > now ? row.fromTimestamp : now;
    await this.em.flush();
    return 'revoked';
  }

  /** Lifts a revocation (or any end of validity) of key `version`: its `thru` becomes null. */
  async reinstateKey(healthAuthorityId: number, version: string): Promise<'reinstated' | 'already' | 'missing'> {
    const row = await this.em.findOne(HealthAuthorityKey, { healthAuthorityId, version });
    if (!row) return 'missing';
    if (!row.thruTimestamp) return 'already';
    row.thruTimestamp = null;
    await this.em.flush();
    return 'reinstated';
  }
}
