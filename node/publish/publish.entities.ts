import { AuthorizedApp } from './apps/authorized-app.entity';
import { HealthAuthority, HealthAuthorityKey } from './authorities/health-authority.entity';

export * from './apps/authorized-app.entity';
export * from './authorities/health-authority.entity';

/**
 * The entities of the publish capability that MikroORM maps: the publish path's trust configuration (apps, health authorities and their
 * keys), read per request through an EntityManager fork and edited by the admin commands. Keys, export
 * batches, signing keys and federation state are read and written with plain SQL in their repositories
 * (bulk, streaming and lock-sensitive paths where per-row entities would only add cost), so they have no
 * entity here that could drift from the schema.
 */
export const PUBLISH_ENTITIES = [AuthorizedApp, HealthAuthority, HealthAuthorityKey];
