import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000001Schema } from './Migration20261122000001Schema';
import { Migration20261122000041FederationOrigin } from './Migration20261122000041FederationOrigin';
import { Migration20261130000001ServerIdentity } from './Migration20261130000001ServerIdentity';
import { Migration20261130300001StateCodes } from './Migration20261130300001StateCodes';
import { Migration20261130400001TokenPartners } from './Migration20261130400001TokenPartners';
import { Migration20261130400002UpstreamTokens } from './Migration20261130400002UpstreamTokens';
import { Migration20261130410001ExportImports } from './Migration20261130410001ExportImports';
import { Migration20261130420001CovidAlertSources } from './Migration20261130420001CovidAlertSources';
import { Migration20261130430001HealthAuthorityJwks } from './Migration20261130430001HealthAuthorityJwks';
import { Migration20261130430002HealthAuthorityStats } from './Migration20261130430002HealthAuthorityStats';
import { Migration20261130430003AppMetrics } from './Migration20261130430003AppMetrics';
import { Migration20261130440001SealedSecrets } from './Migration20261130440001SealedSecrets';
import { Migration20261130540001OpenPullRuns } from './Migration20261130540001OpenPullRuns';

/**
 * Every migration, in order. Listed explicitly (not globbed) so that migrations run the same way from
 * sources under tsx, in tests and in a bundled image.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122000001Schema', class: Migration20261122000001Schema },
  { name: 'Migration20261122000041FederationOrigin', class: Migration20261122000041FederationOrigin },
  { name: 'Migration20261130000001ServerIdentity', class: Migration20261130000001ServerIdentity },
  { name: 'Migration20261130300001StateCodes', class: Migration20261130300001StateCodes },
  { name: 'Migration20261130400001TokenPartners', class: Migration20261130400001TokenPartners },
  { name: 'Migration20261130400002UpstreamTokens', class: Migration20261130400002UpstreamTokens },
  { name: 'Migration20261130410001ExportImports', class: Migration20261130410001ExportImports },
  { name: 'Migration20261130420001CovidAlertSources', class: Migration20261130420001CovidAlertSources },
  { name: 'Migration20261130430001HealthAuthorityJwks', class: Migration20261130430001HealthAuthorityJwks },
  { name: 'Migration20261130430002HealthAuthorityStats', class: Migration20261130430002HealthAuthorityStats },
  { name: 'Migration20261130430003AppMetrics', class: Migration20261130430003AppMetrics },
  { name: 'Migration20261130440001SealedSecrets', class: Migration20261130440001SealedSecrets },
  { name: 'Migration20261130540001OpenPullRuns', class: Migration20261130540001OpenPullRuns },
];
