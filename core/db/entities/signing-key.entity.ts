import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * An ECDSA P-256 export signing key. Every key active at export time signs every file, so a rotation
 * overlaps two signatures until apps have picked up the new public key.
 */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** `verification_key_id` in SignatureInfo (by convention the mobile country code, e.g. 310). */
    keyId: p.text(),
    /** `verification_key_version` in SignatureInfo, e.g. v1. */
    version: p.text(),
    privateKeyPem: p.text().lazy(),
    publicKeyPem: p.text(),
    activeFrom: p.datetime(),
    activeUntil: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ISigningKey = InferEntity<typeof SigningKey>;
