import type pg from 'pg';
import { binaryCopyDataStart } from '../../db/binary-copy-header';
import { CopyOutStream } from '../../db/copy-out-stream';
import { ROW_FIELDS, ROW_OFFSET, ROW_SIZE } from '../format/export-row';

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
 * without copying: a row that straddles two chunks is completed in a small buffer of its own and yielded
 * alone, so only its bytes are copied, not the whole next chunk (which had cost a copy of the entire
 * stream). Memory is bounded by the stream's buffers: the consumer's pace pauses the socket.
 */
export async function* copyRows(client: pg.PoolClient, select: string): AsyncGenerator<Buffer> {
  const stream = client.query(new CopyOutStream(`COPY (${select}) TO STDOUT (FORMAT binary)`));
  let head: Buffer | undefined = Buffer.alloc(0);
  /** The start of a row cut by a chunk boundary, and how many of its bytes are in hand. */
  const partial = Buffer.allocUnsafe(ROW_SIZE);
  let partialBytes = 0;
  let ended = false;
  for await (const raw of stream as AsyncIterable<Buffer>) {
    let chunk = raw;
    if (head) {
      // Before the first row: gather the header (it is small, so joining chunks here costs nothing).
      head = Buffer.concat([head, raw]);
      const start = binaryCopyDataStart(head);
      if (start === 'invalid') throw new CopyFormatError('not a binary COPY stream');
      if (start === 'incomplete') continue;
      chunk = head.subarray(start);
      head = undefined;
    }
    if (ended) continue;
    if (partialBytes > 0) {
      if (partialBytes < 2 && chunk.length > 0 && partial[0] === 0xff && chunk[0] === 0xff) {
        // The trailer (int16 -1), cut in two.
        ended = true;
        continue;
      }
      const missing = Math.min(ROW_SIZE - partialBytes, chunk.length);
      chunk.copy(partial, partialBytes, 0, missing);
      partialBytes += missing;
      chunk = chunk.subarray(missing);
      if (partialBytes < ROW_SIZE) continue;
      partialBytes = 0;
      const row = Buffer.from(partial);
      checkRows(row);
      yield row;
    }
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
    if (!ended && whole < chunk.length) {
      partialBytes = chunk.copy(partial, 0, whole);
    }
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
