import type { ExportHeader } from './export-format';
import { encodeExportBinPrefix } from './export-header';
import { recordToRow, type ExportRecord } from './export-row';
import { encodeRows, KEYS_TAG, MAX_ENCODED_KEY_SIZE, REVISED_KEYS_TAG } from './tek-encoder';

/**
 * A whole export.bin in memory, with the same encoder the streaming pipeline uses. For small inputs only
 * (the golden test, tools); exports of real windows stream through `FileSequence`.
 */
export function encodeExportBin(header: ExportHeader, keys: ExportRecord[], revisedKeys: ExportRecord[]): Buffer {
  const prefix = encodeExportBinPrefix(header);
  const out = Buffer.alloc((keys.length + revisedKeys.length) * MAX_ENCODED_KEY_SIZE);
  let pos = encodeRows(Buffer.concat(keys.map(recordToRow)), 0, keys.length, KEYS_TAG, out, 0);
  pos = encodeRows(Buffer.concat(revisedKeys.map(recordToRow)), 0, revisedKeys.length, REVISED_KEYS_TAG, out, pos);
  return Buffer.concat([prefix, out.subarray(0, pos)]);
}
