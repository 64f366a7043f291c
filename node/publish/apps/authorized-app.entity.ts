import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A mobile app allowed to publish, looked up by `healthAuthorityID` (stored lower-cased). */
export const AuthorizedApp = defineEntity({
  name: 'AuthorizedApp',
  tableName: 'authorized_apps',
  properties: {
    id: p.integer().primary().autoincrement(),
    appPackageName: p.text().unique(),
    allowedRegions: p.array().$type<string[]>(),
    allowedHealthAuthorityIds: p
      .array<number>(
        (v) => Number(v),
        (v) => String(v),
      )
      .columnType('integer[]'),
    bypassHealthAuthorityVerification: p.boolean().default(false),
    bypassRevisionToken: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IAuthorizedApp = InferEntity<typeof AuthorizedApp>;
