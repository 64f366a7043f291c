import { configSection, type ConfigOf } from '../config/config-section';
import { duration, integer } from '../config/env';
import { EXPORT_FILE_MIN_RECORDS, EXPORT_FILE_PADDING_RANGE, MAX_RECORDS_PER_FILE_LIMIT } from './format/export-format';

/**
 * Environment of the export component (node and hub alike). Every period can be compressed to seconds
 * for tests and demos; the defaults are the production values of docs/export-format.md.
 */
export const exportConfig = configSection({
  /** How often closed windows are turned into batches. */
  EXPORT_SCHEDULE_INTERVAL: duration(300),
  /** How often a worker looks for batches to build (it also runs right after new batches appear). */
  EXPORT_WORKER_INTERVAL: duration(60),
  /** A window is exported once its end ≤ now truncated to TRUNCATE_WINDOW minus this age (late writers land). */
  EXPORT_MIN_WINDOW_AGE: duration(3600),
  /** A worker's claim on a batch; a crashed worker's batch is retried after it expires. */
  EXPORT_LEASE: duration(900),
  /** Padding target (docs/export-format.md: 1000); 0 turns padding off (tests of exact contents). */
  EXPORT_FILE_MIN_RECORDS: integer(EXPORT_FILE_MIN_RECORDS, 0, MAX_RECORDS_PER_FILE_LIMIT),
  /** Random extra padding, 0..this (docs/export-format.md: 100). */
  EXPORT_FILE_PADDING_RANGE: integer(EXPORT_FILE_PADDING_RANGE, 0, 100_000),
  /**
   * Deflate level of the zip entries. Key bytes are random and do not compress, so level 1 gives nearly
   * the size of level 6 at a fraction of the time (1M keys: ~2.2 s vs ~5 s end to end here).
   */
  EXPORT_COMPRESSION_LEVEL: integer(1, 0, 9),
});

/** The parsed export settings (a role config includes them). */
export type ExportConfig = ConfigOf<typeof exportConfig>;
