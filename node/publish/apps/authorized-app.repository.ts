import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthorizedApp, type IAuthorizedApp } from '../../../core/db/entities/authorized-app.entity';
import { normalizeRegions } from '../../../core/keys/regions';

/** What the publish path needs to know about an app. */
export interface AuthorizedAppInfo {
  id: number;
  /** The healthAuthorityID the app sends (stored lower-cased). */
  name: string;
  allowedRegions: string[];
  allowedHealthAuthorityIds: ReadonlySet<number>;
  bypassVerification: boolean;
  bypassRevisionToken: boolean;
}

/** Settings of an app as an operator gives them. */
export interface AuthorizedAppInput {
  name: string;
  allowedRegions: string[];
  allowedHealthAuthorityIds: number[];
  bypassVerification: boolean;
  bypassRevisionToken: boolean;
}

function toInfo(row: IAuthorizedApp): AuthorizedAppInfo {
  return {
    id: row.id,
    name: row.appPackageName,
    allowedRegions: normalizeRegions(row.allowedRegions),
    allowedHealthAuthorityIds: new Set(row.allowedHealthAuthorityIds),
    bypassVerification: row.bypassHealthAuthorityVerification,
    bypassRevisionToken: row.bypassRevisionToken,
  };
}

/** Finds an app by healthAuthorityID, case-insensitively. */
export async function findAuthorizedApp(em: EntityManager, name: string): Promise<AuthorizedAppInfo | undefined> {
  const row = await em.findOne(AuthorizedApp, { appPackageName: name.toLowerCase() });
  return row ? toInfo(row) : undefined;
}

/** Every app, by name. */
export async function listAuthorizedApps(em: EntityManager): Promise<AuthorizedAppInfo[]> {
  const rows = await em.find(AuthorizedApp, {}, { orderBy: { appPackageName: 'asc' } });
  return rows.map(toInfo);
}

/** Creates the app, or replaces the settings of the app with that name. Returns whether it was new. */
export async function upsertAuthorizedApp(
  em: EntityManager,
  input: AuthorizedAppInput,
): Promise<{ created: boolean; app: AuthorizedAppInfo }> {
  const name = input.name.toLowerCase();
  const existing = await em.findOne(AuthorizedApp, { appPackageName: name });
  const fields = {
    allowedRegions: normalizeRegions(input.allowedRegions),
    allowedHealthAuthorityIds: [...new Set(input.allowedHealthAuthorityIds)].sort((a, b) => a - b),
    bypassHealthAuthorityVerification: input.bypassVerification,
    bypassRevisionToken: input.bypassRevisionToken,
  };
  const row = existing ?? em.create(AuthorizedApp, { appPackageName: name, ...fields });
  if (existing) em.assign(existing, fields);
  await em.flush();
  return { created: !existing, app: toInfo(row) };
}
