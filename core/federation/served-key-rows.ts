import { binaryCopyDataStart } from '../db/binary-copy-header';
import type { FederatedKey } from './key-wire';

/**
 * A key row as federation-out reads it; `micros` is the cursor column (created_at or revised_at) exactly, in
 * microseconds since the epoch.
 */
export interface ServedKeyRow extends FederatedKey {
  micros: bigint;
}

/** The values of a stream as SQL expressions over exposure_keys. */
export interface ServedValues {
  transmissionRisk: string;
  reportType: string;
  daysSinceOnset: string;
  /** The keyset column (created_at or revised_at), read as the row's `micros`. */
  cursorColumn: string;
}

/**
 * The select list of a served row, each expression cast to the type parseServedKeyRows reads it as (binary COPY:
 * each field is an int32 length, -1 for NULL, then its bytes in the type's binary send format).
 */
export function servedRowSelect(v: ServedValues): string {
  return [
    'key',
    `(${v.transmissionRisk})::int2`,
    'interval_number::int4',
    'interval_count::int4',
    'regions::text[]',
    'traveler::bool',
    `coalesce(${v.reportType}, '')::text`,
    `(${v.daysSinceOnset})::int2`,
    // As stored: binary timestamptz is int64 microseconds since 2000-01-01, so micros need no arithmetic in SQL
    // (computing them with extract(epoch …) in numeric cost PostgreSQL a quarter of the page query's time).
    `${v.cursorColumn}::timestamptz`,
  ].join(', ');
}
const SERVED_ROW_FIELDS = 9;
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in microseconds since the Unix epoch. */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;

/** Raised when a COPY stream is not the served-row layout (a bug, never client input). */
export class ServedRowFormatError extends Error {
  constructor(message: string) {
    super(`served rows: ${message}`);
    this.name = 'ServedRowFormatError';
  }
}

/**
 * Reads the rows of one page from the whole of its binary COPY output. Keys are views of `copy` (the caller's own
 * buffer, which nothing reuses); numbers are read in place; region codes and report types become strings.
 * No string is made for any other field and no hex or digits are parsed: with pg's text protocol, doing that for
 * every field of every row was the largest part of the serving node's CPU (bench:federation profile).
 */
export function parseServedKeyRows(copy: Buffer): ServedKeyRow[] {
  const start = binaryCopyDataStart(copy);
  if (typeof start !== 'number') throw new ServedRowFormatError('not a binary COPY stream');
  let p = start;
  const rows: ServedKeyRow[] = [];
  const field = (): number => {
    const length = copy.readInt32BE(p);
    p += 4;
    return length;
  };
  for (;;) {
    const count = copy.readInt16BE(p);
    p += 2;
    if (count === -1) break;
    if (count !== SERVED_ROW_FIELDS) throw new ServedRowFormatError(`a row of ${count} fields`);
    const keyLength = field();
    const key = copy.subarray(p, p + keyLength);
    p += keyLength;
    field();
    const transmissionRisk = copy.readInt16BE(p);
    p += 2;
    field();
    const intervalNumber = copy.readInt32BE(p);
    p += 4;
    field();
    const intervalCount = copy.readInt32BE(p);
    p += 4;
    const regionsLength = field();
    const regions = readTextArray(copy, p);
    p += regionsLength;
    field();
    const traveler = copy[p] === 1;
    p += 1;
    const reportTypeLength = field();
    const reportType = copy.toString('utf8', p, p + reportTypeLength);
    p += reportTypeLength;
    let daysSinceOnset: number | null = null;
    if (field() !== -1) {
      daysSinceOnset = copy.readInt16BE(p);
      p += 2;
    }
    field();
    const micros = copy.readBigInt64BE(p) + POSTGRES_EPOCH_MICROS;
    p += 8;
    rows.push({
      key,
      transmissionRisk,
      intervalNumber,
      intervalCount,
      regions,
      traveler,
      reportType,
      daysSinceOnset,
      micros,
    });
  }
  return rows;
}

/** A one-dimensional text[] in binary send format: ndim, has-null flag, element type, [size, lower bound], elements. */
function readTextArray(copy: Buffer, at: number): string[] {
  const dimensions = copy.readInt32BE(at);
  if (dimensions === 0) return [];
  if (dimensions !== 1) throw new ServedRowFormatError(`a regions array of ${dimensions} dimensions`);
  const size = copy.readInt32BE(at + 12);
  let p = at + 20;
  const values: string[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const length = copy.readInt32BE(p);
    p += 4;
    if (length < 0) throw new ServedRowFormatError('a NULL region');
    values[i] = copy.toString('utf8', p, p + length);
    p += length;
  }
  return values;
}
