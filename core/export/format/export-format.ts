import type { SignatureInfo } from '../../signing/signature';

/** Constants of the export file format (docs/export-format.md). */

/** The 16 bytes that open every export.bin: "EK Export v1" and four spaces. */
export const EXPORT_BIN_HEADER = Buffer.from('EK Export v1    ', 'ascii');

/** Names of the two zip entries. */
export const EXPORT_BIN_ENTRY = 'export.bin';
export const EXPORT_SIG_ENTRY = 'export.sig';

/** Default and hard upper bound of records (keys + revised keys + padding) in one file. */
export const DEFAULT_MAX_RECORDS_PER_FILE = 500_000;
export const MAX_RECORDS_PER_FILE_LIMIT = 750_000;

/** Padding: files are filled up to this many records plus a random 0..EXPORT_FILE_PADDING_RANGE. */
export const EXPORT_FILE_MIN_RECORDS = 1000;
export const EXPORT_FILE_PADDING_RANGE = 100;

/** The rolling period that is left out of the wire encoding (it is the proto default). */
export const DEFAULT_ROLLING_PERIOD = 144;

/** The fields of TemporaryExposureKeyExport that precede the keys. */
export interface ExportHeader {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
}
