import type { EntityManager } from '@mikro-orm/postgresql';
import {
  HealthAuthority,
  HealthAuthorityKey,
  type IHealthAuthority,
  type IHealthAuthorityKey,
} from '../../../core/db/entities/health-authority.entity';

/** A health authority with its public keys, as stored. */
export interface StoredHealthAuthority {
  id: number;
  iss: string;
  aud: string;
  name: string;
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
    keys: keys.filter((k) => k.healthAuthorityId === r.id).map(toKey),
  }));
}

/** The authority whose `iss` is exactly `iss`, with its keys. */
export async function findHealthAuthority(em: EntityManager, iss: string): Promise<StoredHealthAuthority | undefined> {
  const row = await em.findOne(HealthAuthority, { iss });
  return row ? (await withKeys(em, [row]))[0] : undefined;
}

/** Every authority with its keys, by iss. */
export async function listHealthAuthorities(em: EntityManager): Promise<StoredHealthAuthority[]> {
  return withKeys(em, await em.find(HealthAuthority, {}, { orderBy: { iss: 'asc' } }));
}

/** Ids of the authorities with these `iss` values; throws naming the first unknown one. */
export async function healthAuthorityIdsByIss(em: EntityManager, issuers: string[]): Promise<number[]> {
  const rows = await em.find(HealthAuthority, { iss: { $in: issuers } });
  const missing = issuers.find((iss) => !rows.some((r) => r.iss === iss));
  if (missing !== undefined) throw new Error(`no health authority with iss "${missing}"`);
  return rows.map((r) => r.id);
}

/** Creates the authority or updates its aud and name. */
export async function upsertHealthAuthority(
  em: EntityManager,
  input: { iss: string; aud: string; name: string },
): Promise<{ created: boolean; id: number }> {
  const existing = await em.findOne(HealthAuthority, { iss: input.iss });
  const row = existing ?? em.create(HealthAuthority, input);
  if (existing) em.assign(existing, { aud: input.aud, name: input.name });
  await em.flush();
  return { created: !existing, id: row.id };
}

/** Adds a public key (already imported and checked) under `version`, or replaces that version's key and window. */
export async function upsertHealthAuthorityKey(
  em: EntityManager,
  healthAuthorityId: number,
  key: StoredHealthAuthorityKey,
): Promise<{ created: boolean }> {
  const existing = await em.findOne(HealthAuthorityKey, { healthAuthorityId, version: key.version });
  const fields = { fromTimestamp: key.from, thruTimestamp: key.thru, publicKeyPem: key.publicKeyPem };
  if (existing) em.assign(existing, fields);
  else em.create(HealthAuthorityKey, { healthAuthorityId, version: key.version, ...fields });
  await em.flush();
  return { created: !existing };
}
