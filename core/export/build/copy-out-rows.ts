import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ROW_FIELDS, ROW_OFFSET, ROW_SIZE } from '../format/export-row';

/** "PGCOPY\n\377\r\n\0": the signature that opens a binary COPY stream. */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32) and header-extension length (int32). */
const COPY_HEADER_SIZE = COPY_SIGNATURE.length + 8;

/** Raised when the COPY stream is not the fixed-width row format the export query produces. */
export class CopyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyFormatError';
  }
}

/**
 * Runs `COPY (<select>) TO STDOUT (FORMAT binary)` and yields buffers holding whole export rows
 * (ROW_SIZE bytes each; see export-row.ts), in the query's order. Chunks from the server are passed on
 * without copying except for a row that straddles two chunks. Memory is bounded by the stream's buffers:
 * the consumer's pace pauses the socket.
 */
export async function* copyRows(client: pg.PoolClient, select: string): AsyncGenerator<Buffer> {
  const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
  let carry: Buffer | undefined;
  let headerSeen = false;
  let ended = false;
  for await (const raw of stream as AsyncIterable<Buffer>) {
    let chunk = carry ? Buffer.concat([carry, raw]) : raw;
    carry = undefined;
    if (!headerSeen) {
      if (chunk.length < COPY_HEADER_SIZE) {
        carry = chunk;
        continue;
      }
      if (!chunk.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE))
        throw new CopyFormatError('not a binary COPY stream');
      const extension = chunk.readUInt32BE(COPY_SIGNATURE.length + 4);
      if (chunk.length < COPY_HEADER_SIZE + extension) {
        carry = chunk;
        continue;
      }
      chunk = chunk.subarray(COPY_HEADER_SIZE + extension);
      headerSeen = true;
    }
    if (ended) continue;
    let whole = Math.floor(chunk.length / ROW_SIZE) * ROW_SIZE;
    // The trailer (int16 -1) ends the data; it can only sit where a row would start.
    const trailerAt = findTrailer(chunk, whole);
    if (trailerAt >= 0) {
      whole = trailerAt;
      ended = true;
    }
    if (whole > 0) {
      const rows = chunk.subarray(0, whole);
      checkRows(rows);
      yield rows;
    }
    if (!ended && whole < chunk.length) carry = Buffer.from(chunk.subarray(whole));
  }
  if (!ended) throw new CopyFormatError('binary COPY stream ended without its trailer');
}

function findTrailer(chunk: Buffer, whole: number): number {
  // A trailer is 2 bytes; it follows the last whole row (and could only be inside `whole` if a row were
  // malformed, which checkRows reports).
  if (chunk.length - whole >= 2 && chunk.readInt16BE(whole) === -1) return whole;
  return -1;
}

function checkRows(rows: Buffer): void {
  for (let offset = 0; offset < rows.length; offset += ROW_SIZE) {
    if (rows.readInt16BE(offset) !== ROW_FIELDS || rows.readInt32BE(offset + ROW_OFFSET.keyLength) !== 16) {
      throw new CopyFormatError('unexpected row shape in export COPY stream');
    }
  }
}
