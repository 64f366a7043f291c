import { AuthorizedApp } from './authorized-app.entity';
import { ExportBatch, ExportConfig, ExportFile } from './export.entity';
import { FederationInQuery, FederationInRun, PartnerAuthorization } from './federation.entity';
import { HealthAuthority, HealthAuthorityKey } from './health-authority.entity';
import { RevisionTokenKey } from './revision-token-key.entity';
import { SigningKey } from './signing-key.entity';

export * from './authorized-app.entity';
export * from './export.entity';
export * from './federation.entity';
export * from './health-authority.entity';
export * from './revision-token-key.entity';
export * from './signing-key.entity';

/** Every entity, for the ORM bootstrap. Keys themselves live in `exposure_keys`, accessed with bulk SQL. */
export const ALL_ENTITIES = [
  AuthorizedApp,
  HealthAuthority,
  HealthAuthorityKey,
  RevisionTokenKey,
  SigningKey,
  ExportConfig,
  ExportBatch,
  ExportFile,
  PartnerAuthorization,
  FederationInQuery,
  FederationInRun,
];
