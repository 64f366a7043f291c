import { AuthorizedApp } from './authorized-app.entity';
import { HealthAuthority, HealthAuthorityKey } from './health-authority.entity';

export * from './authorized-app.entity';
export * from './health-authority.entity';

/**
 * The entities MikroORM maps: the publish path's trust configuration (apps, health authorities and their
 * keys), read per request through an EntityManager fork and edited by the admin commands. Keys, export
 * batches, signing keys and federation state are read and written with plain SQL in their repositories
 * (bulk, streaming and lock-sensitive paths where per-row entities would only add cost), so they have no
 * entity here that could drift from the schema.
 */
export const ALL_ENTITIES = [AuthorizedApp, HealthAuthority, HealthAuthorityKey];
