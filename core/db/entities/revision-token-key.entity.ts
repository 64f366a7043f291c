import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An AES-256-GCM key for revision tokens; `id` is the token's `kid`. Rotated by a scheduled job. */
export const RevisionTokenKey = defineEntity({
  name: 'RevisionTokenKey',
  tableName: 'revision_token_keys',
  properties: {
    id: p.integer().primary().autoincrement(),
    keyBytes: p.blob(),
    createdAt: p.datetime(),
  },
});
export type IRevisionTokenKey = InferEntity<typeof RevisionTokenKey>;
