import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Which keys go into a series of export files, and how they are cut and named. */
export const ExportConfig = defineEntity({
  name: 'ExportConfig',
  tableName: 'export_configs',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Folder under the blob root; also the config's unique name. */
    root: p.text().unique(),
    outputRegion: p.text(),
    inputRegions: p.array().$type<string[]>(),
    excludeRegions: p.array().$type<string[]>(),
    includeTravelers: p.boolean().default(true),
    onlyTravelers: p.boolean().default(false),
    periodSeconds: p.integer(),
    maxRecordsPerFile: p.integer(),
    fromTimestamp: p.datetime(),
    thruTimestamp: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IExportConfig = InferEntity<typeof ExportConfig>;

/** One window of one config; `status` moves open → processing → complete. */
export const ExportBatch = defineEntity({
  name: 'ExportBatch',
  tableName: 'export_batches',
  properties: {
    id: p.integer().primary().autoincrement(),
    configId: p.integer(),
    startAt: p.datetime(),
    endAt: p.datetime(),
    status: p.text(),
    leaseExpiresAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IExportBatch = InferEntity<typeof ExportBatch>;

/** A zip written to the blob store for a batch. */
export const ExportFile = defineEntity({
  name: 'ExportFile',
  tableName: 'export_files',
  properties: {
    id: p.integer().primary().autoincrement(),
    batchId: p.integer(),
    configId: p.integer(),
    filename: p.text().unique(),
    fileNumber: p.integer(),
    keyCount: p.integer(),
    revisedCount: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IExportFile = InferEntity<typeof ExportFile>;
