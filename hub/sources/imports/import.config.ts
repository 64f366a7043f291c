import { configRule, configSection, type ConfigOf } from '../../../core/config/config-section';
import { duration, flag, integer } from '../../../core/config/env';

const MIB = 1024 * 1024;

/** Environment of the hub's import component (other servers' signed export files; docs/imports.md). */
export const importConfig = configSection(
  {
    /** Runs of different imports that may go on at once (runs of one import never overlap). */
    IMPORT_CONCURRENCY: integer(2, 1, 16),
    /** Largest index.txt read, in bytes (the reference importer's cap is 1 MiB). */
    IMPORT_INDEX_MAX_BYTES: integer(1 * MIB, 1024, 64 * MIB),
    /** Largest export zip downloaded, in bytes (the reference importer's cap is 20 MiB). */
    IMPORT_FILE_MAX_BYTES: integer(20 * MIB, 1024, 512 * MIB),
    /** Most bytes a zip may inflate to (export.bin and export.sig together): stops zip bombs. */
    IMPORT_FILE_MAX_INFLATED_BYTES: integer(64 * MIB, 1024, 1024 * MIB),
    /** Deadline of one download (index or file), headers and body: a stalled server fails within this. */
    IMPORT_DOWNLOAD_TIMEOUT: duration(60),
    /**
     * Keys handed to the pool at a time while a file is stored (all in the file's one transaction). bench:import,
     * 500,000 keys: 2,000 reached 76–79 % of the COPY ceiling, 5,000 84–88 % at the same peak RSS (180–185 MB),
     * 10,000 85–89 % at 265–272 MB.
     */
    IMPORT_PAGE_SIZE: integer(5000, 100, 100_000),
    /** First retry delay of a failed file (or unreadable index); doubles per failure up to IMPORT_BACKOFF_MAX. */
    IMPORT_BACKOFF_BASE: duration(60),
    IMPORT_BACKOFF_MAX: duration(6 * 3600),
    /** How often the schedules are reconciled with the imports table (imports added or removed). */
    IMPORT_SYNC_INTERVAL: duration(30),
    /** Accept SELF_REPORT keys from imported files (off, like federation-in). */
    IMPORT_ACCEPT_SELF_REPORT: flag(false),
  },
  [
    configRule<{ IMPORT_FILE_MAX_BYTES: number; IMPORT_FILE_MAX_INFLATED_BYTES: number }>(
      ['IMPORT_FILE_MAX_BYTES', 'IMPORT_FILE_MAX_INFLATED_BYTES'],
      (c) =>
        c.IMPORT_FILE_MAX_INFLATED_BYTES < c.IMPORT_FILE_MAX_BYTES
          ? 'IMPORT_FILE_MAX_INFLATED_BYTES: at least IMPORT_FILE_MAX_BYTES (a stored zip inflates to its own size)'
          : undefined,
    ),
  ],
);

export type ImportConfig = ConfigOf<typeof importConfig>;
