import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A verification server (health authority) whose certificates a node trusts; `iss` selects it. */
export const HealthAuthority = defineEntity({
  name: 'HealthAuthority',
  tableName: 'health_authorities',
  properties: {
    id: p.integer().primary().autoincrement(),
    iss: p.text().unique(),
    aud: p.text(),
    name: p.text(),
    /** Where its keys are published as JWKS; null when keys are managed by hand. */
    jwksUri: p.text().nullable(),
    jwksRefreshedAt: p.datetime().nullable(),
    jwksError: p.text().nullable(),
    jwksErrorAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IHealthAuthority = InferEntity<typeof HealthAuthority>;

/** A P-256 public key of a health authority, selected by the certificate's `kid` (= version). */
export const HealthAuthorityKey = defineEntity({
  name: 'HealthAuthorityKey',
  tableName: 'health_authority_keys',
  properties: {
    id: p.integer().primary().autoincrement(),
    healthAuthorityId: p.integer(),
    version: p.text(),
    fromTimestamp: p.datetime(),
    thruTimestamp: p.datetime().nullable(),
    publicKeyPem: p.text(),
  },
});
export type IHealthAuthorityKey = InferEntity<typeof HealthAuthorityKey>;
