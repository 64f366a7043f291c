import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthorizedApp, type IAuthorizedApp } from './authorized-app.entity';
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

/** authorized_apps, through an EntityManager fork (one per unit of work). */
export class AuthorizedAppRepository {
  constructor(private readonly em: EntityManager) {}

  /** Finds an app by healthAuthorityID, case-insensitively. */
  async find(name: string): Promise<AuthorizedAppInfo | undefined> {
    const row = await this.em.findOne(AuthorizedApp, { appPackageName: name.toLowerCase() });
    return row ? toInfo(row) : undefined;
  }

  /** Every app, by name. */
  async list(): Promise<AuthorizedAppInfo[]> {
    const rows = await this.em.find(AuthorizedApp, {}, { orderBy: { appPackageName: 'asc' } });
    return rows.map(toInfo);
  }

  /** Creates the app, or replaces the settings of the app with that name. Returns whether it was new. */
  async upsert(input: AuthorizedAppInput): Promise<{ created: boolean; app: AuthorizedAppInfo }> {
    const name = input.name.toLowerCase();
    const existing = await this.em.findOne(AuthorizedApp, { appPackageName: name });
    const fields = {
      allowedRegions: normalizeRegions(input.allowedRegions),
      allowedHealthAuthorityIds: [...new Set(input.allowedHealthAuthorityIds)].sort((a, b) => a - b),
      bypassHealthAuthorityVerification: input.bypassVerification,
      bypassRevisionToken: input.bypassRevisionToken,
    };
    const row = existing ?? this.em.create(AuthorizedApp, { appPackageName: name, ...fields });
    if (existing) this.em.assign(existing, fields);
    await this.em.flush();
    return { created: !existing, app: toInfo(row) };
  }
}
