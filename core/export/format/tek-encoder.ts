import { DEFAULT_ROLLING_PERIOD } from './export-format';
import { DSOS_NULL, REPORT_ABSENT, ROW_OFFSET, ROW_SIZE } from './export-row';

/** Field tags (field number << 3 | wire type 2) of the two key lists in TemporaryExposureKeyExport. */
export const KEYS_TAG = (7 << 3) | 2;
export const REVISED_KEYS_TAG = (8 << 3) | 2;

/** Upper bound of the bytes one encoded key takes, tag and length included (negative int32 take 10). */
export const MAX_ENCODED_KEY_SIZE = 2 + 18 + 3 * 11 + 2 + 6;

function writeVarint(out: Buffer, pos: number, value: number): number {
  if (value < 0) {
    // proto int32: negatives are sign-extended to 64 bits, always 10 bytes.
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      out[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    out[pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) out[pos++] = 0xff;
    out[pos++] = 0x01;
    return pos;
  }
  while (value > 0x7f) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

/** Big-endian int16/int32 read inline: Buffer#readInt*BE and Buffer#copy are calls with argument checks. */
function int16(row: Buffer, at: number): number {
  return ((row[at]! << 24) | (row[at + 1]! << 16)) >> 16;
}

function int32(row: Buffer, at: number): number {
  return (row[at]! << 24) | (row[at + 1]! << 16) | (row[at + 2]! << 8) | row[at + 3]!;
}

/**
 * Encodes the row at `rowOffset` as one `TemporaryExposureKey` field (tag, length, message) into `out` at
 * `pos`, returning the new position. Fields in number order; rolling_period omitted when 144, report type
 * and days since onset omitted when absent: byte for byte what protobufjs writes for the same values
 * (the unit tests hold both encoders to that). Hand-written because it runs once per key on the hot path;
 * the 16 key bytes and the fields are moved by index rather than Buffer methods, which cost about half
 * of this function's time in the profile of bench:export.
 */
export function encodeRow(row: Buffer, rowOffset: number, tag: number, out: Buffer, pos: number): number {
  const start = pos;
  out[pos] = tag;
  pos += 2; // length byte, filled in below (a key message is always shorter than 128 bytes)
  out[pos++] = 0x0a;
  out[pos++] = 16;
  const key = rowOffset + ROW_OFFSET.key;
  for (let i = 0; i < 16; i++) out[pos + i] = row[key + i]!;
  pos += 16;
  out[pos++] = 0x10;
  pos = writeVarint(out, pos, int16(row, rowOffset + ROW_OFFSET.transmissionRisk));
  out[pos++] = 0x18;
  pos = writeVarint(out, pos, int32(row, rowOffset + ROW_OFFSET.interval));
  const count = int32(row, rowOffset + ROW_OFFSET.count);
  if (count !== DEFAULT_ROLLING_PERIOD) {
    out[pos++] = 0x20;
    pos = writeVarint(out, pos, count);
  }
  const report = int16(row, rowOffset + ROW_OFFSET.report);
  if (report !== REPORT_ABSENT) {
    out[pos++] = 0x28;
    pos = writeVarint(out, pos, report);
  }
  const dsos = int16(row, rowOffset + ROW_OFFSET.dsos);
  if (dsos !== DSOS_NULL) {
    out[pos++] = 0x30;
    pos = writeVarint(out, pos, ((dsos << 1) ^ (dsos >> 31)) >>> 0);
  }
  out[start + 1] = pos - start - 2;
  return pos;
}

/** Encodes `count` consecutive rows of `rows` starting at row index `first`. */
export function encodeRows(rows: Buffer, first: number, count: number, tag: number, out: Buffer, pos: number): number {
  let offset = first * ROW_SIZE;
  for (let i = 0; i < count; i++, offset += ROW_SIZE) pos = encodeRow(rows, offset, tag, out, pos);
  return pos;
}
