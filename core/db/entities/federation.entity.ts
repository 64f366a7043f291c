import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A partner (or the hub, on a node) allowed to call Federation.Fetch, identified by its client certificate. */
export const PartnerAuthorization = defineEntity({
  name: 'PartnerAuthorization',
  tableName: 'partner_authorizations',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.text().unique(),
    /** SHA-256 of the client certificate's DER, lower-case hex without separators. */
    certFingerprint: p.text().unique(),
    includeRegions: p.array().$type<string[]>(),
    excludeRegions: p.array().$type<string[]>(),
    enabled: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IPartnerAuthorization = InferEntity<typeof PartnerAuthorization>;

/** An upstream the hub pulls (federation-in), with its committed cursors and backoff state. */
export const FederationInQuery = defineEntity({
  name: 'FederationInQuery',
  tableName: 'federation_in_queries',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.text().unique(),
    address: p.text(),
    /** TLS server name to verify when it differs from the address host. */
    serverName: p.text().nullable(),
    caCertPath: p.text(),
    clientCertPath: p.text(),
    clientKeyPath: p.text(),
    includeRegions: p.array().$type<string[]>(),
    excludeRegions: p.array().$type<string[]>(),
    onlyLocalProvenance: p.boolean().default(true),
    onlyTravelers: p.boolean().default(false),
    intervalSeconds: p.integer(),
    keyCursorTimestamp: p.bigint('number').default(0),
    keyCursorToken: p.text().default(''),
    revisedCursorTimestamp: p.bigint('number').default(0),
    revisedCursorToken: p.text().default(''),
    consecutiveFailures: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IFederationInQuery = InferEntity<typeof FederationInQuery>;

/** One pull of one upstream, for the operator's view of upstream health. */
export const FederationInRun = defineEntity({
  name: 'FederationInRun',
  tableName: 'federation_in_runs',
  properties: {
    id: p.integer().primary().autoincrement(),
    queryId: p.integer(),
    startedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    pages: p.integer().default(0),
    received: p.integer().default(0),
    inserted: p.integer().default(0),
    duplicates: p.integer().default(0),
    invalid: p.integer().default(0),
    revised: p.integer().default(0),
    error: p.text().nullable(),
    durationMs: p.integer().nullable(),
  },
});
export type IFederationInRun = InferEntity<typeof FederationInRun>;
