import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import yazl from 'yazl';
import { FileSigner, type ExportSigningKey } from '../../signing/file-signer';
import type { BlobStore, BlobWrite } from '../../blob-store/blob-store';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY, type ExportHeader } from '../format/export-format';
import { ZIP_HEADERS } from '../format/export-cache-headers';
import { encodeExportBinPrefix, encodeSignatureList } from '../format/export-header';
import { ExportFileTrace } from '../../tracing/export-spans';

export interface ExportFileWriterOptions {
  blobs: BlobStore;
  /** Blob name of the zip, `<root>/<start>-<end>-<NNNNN>.zip`. */
  name: string;
  header: ExportHeader;
  signingKeys: readonly ExportSigningKey[];
  /** Deflate level of the zip entries (0 stores). */
  compressionLevel: number;
  /** Modification time written into the zip entries (the window end, so rebuilds look alike). */
  mtime: Date;
}

/**
 * Writes one export zip while its keys stream in: every chunk of export.bin is hashed for each signing
 * key and handed to the zip's deflate stream, which writes into an atomic blob write (a temporary file, staged
 * blocks or multipart parts); `finish()` appends export.sig and commits it, and only then does the zip appear
 * under its name. Memory stays bounded by the stream and upload buffers.
 */
export class ExportFileWriter {
  private readonly failed: Promise<never>;
  private finished = false;
  private readonly trace: ExportFileTrace;

  private constructor(
    private readonly entry: PassThrough,
    private readonly zip: yazl.ZipFile,
    private readonly blob: BlobWrite,
    private readonly signer: FileSigner,
    private readonly options: ExportFileWriterOptions,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      zip.outputStream.once('error', reject);
      blob.stream.once('error', reject);
      entry.once('error', reject);
    });
    // Observed through `write`/`finish`; this handler only keeps an early failure from going unhandled.
    this.failed.catch(() => undefined);
    this.trace = new ExportFileTrace(options.name);
  }

  /** Starts the blob write and writes the export.bin prefix (header and fields 1–6). */
  static async open(options: ExportFileWriterOptions): Promise<ExportFileWriter> {
    const blob = await options.blobs.createWrite(options.name, ZIP_HEADERS);
    const zip = new yazl.ZipFile();
    const entry = new PassThrough({ highWaterMark: 1 << 20 });
    zip.addReadStream(entry, EXPORT_BIN_ENTRY, { mtime: options.mtime, compressionLevel: options.compressionLevel });
    zip.outputStream.pipe(blob.stream);
    const writer = new ExportFileWriter(entry, zip, blob, new FileSigner(options.signingKeys), options);
    await writer.write(encodeExportBinPrefix(options.header));
    return writer;
  }

  /** Appends bytes of export.bin; resolves when the stream can take more. `chunk` must not be reused. */
  async write(chunk: Buffer): Promise<void> {
    this.signer.update(chunk);
    this.trace.wrote(chunk.length);
    if (!this.entry.write(chunk)) await Promise.race([once(this.entry, 'drain'), this.failed]);
  }

  /** Ends export.bin, signs it, adds export.sig and atomically publishes the zip. */
  async finish(): Promise<void> {
    this.finished = true;
    this.entry.end();
    this.trace.encoded();
    const signatures = await this.trace.sign(this.options.signingKeys.length, () => this.signer.finish());
    const { batchNum, batchSize } = this.options.header;
    this.zip.addBuffer(encodeSignatureList(signatures, batchNum, batchSize), EXPORT_SIG_ENTRY, {
      mtime: this.options.mtime,
      compressionLevel: this.options.compressionLevel,
    });
    this.zip.end();
    await this.trace.write(() => Promise.race([this.blob.commit(), this.failed]));
  }

  /** Drops the partial write (after an error elsewhere): nothing of it becomes visible. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.trace.aborted();
    this.entry.destroy();
    await this.blob.abort();
  }
}
