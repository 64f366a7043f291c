import { performance } from 'node:perf_hooks';
import type { Span } from '@opentelemetry/api';
import { ROW_SIZE } from '../export/format/export-row';
import { failSpan, tracer, withSpan } from './spans';

/*
 * Export spans. A batch streams: rows come from PostgreSQL's COPY, are encoded chunk by chunk and handed to the
 * zip's deflate stream while the next rows are read. Spans per chunk would be many and tiny, so:
 *  - export.read: one per COPY query (keys, revised keys), from the query's start to its last row. Encoding and
 *    writing run while it is open, so the time actually spent waiting for rows is its `enfed.export.wait_ms`.
 *  - export.encode: one per file, from the file's opening to its last export.bin byte, covering the encoding
 *    and deflating of its rows as they arrive.
 *  - export.sign: one per file, the signatures over the finished export.bin (an HSM round trip when keys live there).
 *  - export.write: one per file, closing the zip and committing the blob (the atomic rename or upload's end).
 */

/** `rows` from one COPY query, traced as an export.read span (returned as they are when tracing is off). */
export function tracedExportRead(part: 'keys' | 'revised_keys', rows: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const span = tracer().startSpan('export.read', { attributes: { 'enfed.export.part': part } });
  if (!span.isRecording()) {
    span.end();
    return rows;
  }
  return readThrough(span, rows);
}

async function* readThrough(span: Span, rows: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let bytes = 0;
  let waitMs = 0;
  let done = false;
  try {
    while (true) {
      const started = performance.now();
      const next = await rows.next();
      waitMs += performance.now() - started;
      if (next.done) {
        done = true;
        return;
      }
      bytes += next.value.length;
      yield next.value;
    }
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.setAttributes({
      'enfed.export.rows': Math.floor(bytes / ROW_SIZE),
      'enfed.export.bytes': bytes,
      'enfed.export.wait_ms': Math.round(waitMs),
    });
    span.end();
    // A consumer that stopped early: the COPY stream is closed as it would have been without the wrapper.
    if (!done) await rows.return(undefined);
  }
}

/** The spans of one export file (see above); every method is cheap when tracing is off. */
export class ExportFileTrace {
  private encode: Span | undefined;
  private bytes = 0;

  constructor(private readonly file: string) {
    this.encode = tracer().startSpan('export.encode', { attributes: { 'enfed.export.file': file } });
  }

  /** Counts export.bin bytes handed to the zip. */
  wrote(bytes: number): void {
    this.bytes += bytes;
  }

  /** export.bin is complete: ends export.encode. */
  encoded(): void {
    this.encode?.setAttribute('enfed.export.bin_bytes', this.bytes);
    this.encode?.end();
    this.encode = undefined;
  }

  sign<T>(signatures: number, fn: () => Promise<T>): Promise<T> {
    return withSpan('export.sign', { 'enfed.export.file': this.file, 'enfed.export.signatures': signatures }, fn);
  }

  write<T>(fn: () => Promise<T>): Promise<T> {
    return withSpan('export.write', { 'enfed.export.file': this.file, 'enfed.export.bin_bytes': this.bytes }, fn);
  }

  /** The file was dropped after an error: an export.encode still open ends failed. */
  aborted(): void {
    if (this.encode)
      failSpan(this.encode, Object.assign(new Error('export file aborted'), { name: 'ExportFileAborted' }));
    this.encoded();
  }
}

/** The build of one export batch, with what it wrote. */
export function exportBatchSpan<T extends readonly ExportFileCounts[]>(
  batchId: number,
  fn: () => Promise<T>,
): Promise<T> {
  return withSpan('export.batch', { 'enfed.export.batch_id': batchId }, fn, {
    describe: (files) => ({
      'enfed.export.files': files.length,
      'enfed.export.keys': files.reduce((n, f) => n + f.keyCount, 0),
      'enfed.export.revised_keys': files.reduce((n, f) => n + f.revisedCount, 0),
      'enfed.export.padding': files.reduce((n, f) => n + f.paddingCount, 0),
    }),
  });
}

/** What export.batch reports of each file (BuiltFile's counts). */
interface ExportFileCounts {
  keyCount: number;
  revisedCount: number;
  paddingCount: number;
}
