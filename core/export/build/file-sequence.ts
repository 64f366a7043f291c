import type { ExportSigningKey } from '../../signing/file-signer';
import type { BlobStore } from '../../blob-store/blob-store';
import {
  exportFileName,
  fileEndTimestamp,
  type ExportConfigRecord,
  type ExportWindow,
} from '../configs/export-config.model';
import { ExportFileWriter } from './export-file-writer';
import { ROW_SIZE } from '../format/export-row';
import { encodeRows, KEYS_TAG, MAX_ENCODED_KEY_SIZE } from '../format/tek-encoder';

/** One zip written for a batch. */
export interface BuiltFile {
  name: string;
  fileNumber: number;
  /** Real keys in `keys` (padding not counted). */
  keyCount: number;
  revisedCount: number;
  /** Fake keys added as padding. */
  paddingCount: number;
}

export interface FileSequenceOptions {
  blobs: BlobStore;
  config: ExportConfigRecord;
  window: ExportWindow;
  signingKeys: readonly ExportSigningKey[];
  compressionLevel: number;
}

/** Bytes encoded before they are handed to the zip stream (one allocation per chunk, never reused). */
const CHUNK_BYTES = 256 * 1024;

/**
 * The files of one window, filled in order: rows are encoded into chunks and written to the current file
 * until it holds `maxRecordsPerFile` records (keys, revised keys and padding together), then the next file
 * opens. Files open lazily, so a window without rows produces none.
 */
export class FileSequence {
  readonly files: BuiltFile[] = [];
  private writer: ExportFileWriter | undefined;
  private current: BuiltFile | undefined;
  private records = 0;
  private out = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;

  constructor(private readonly options: FileSequenceOptions) {}

  /** Appends rows under `tag` (keys or revised keys); `fake[i] = 1` marks padding rows. */
  async emit(rows: Buffer, tag: number, fake?: Uint8Array): Promise<void> {
    const count = rows.length / ROW_SIZE;
    const max = this.options.config.maxRecordsPerFile;
    let i = 0;
    while (i < count) {
      if (!this.writer) await this.openNext();
      const take = Math.min(max - this.records, count - i);
      await this.encode(rows, i, take, tag);
      this.count(take, tag, fake, i);
      this.records += take;
      i += take;
      if (this.records >= max) await this.closeCurrent();
    }
  }

  /** Closes the last file. */
  async finish(): Promise<BuiltFile[]> {
    await this.closeCurrent();
    return this.files;
  }

  /** Drops the file being written (the ones already finished stay; a rebuild overwrites them). */
  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort();
  }

  private count(take: number, tag: number, fake: Uint8Array | undefined, first: number): void {
    const file = this.current!;
    if (tag !== KEYS_TAG) {
      file.revisedCount += take;
      return;
    }
    let fakes = 0;
    if (fake) for (let j = first; j < first + take; j++) fakes += fake[j]!;
    file.keyCount += take - fakes;
    file.paddingCount += fakes;
  }

  private async encode(rows: Buffer, first: number, count: number, tag: number): Promise<void> {
    let done = 0;
    while (done < count) {
      const room = Math.floor((CHUNK_BYTES - this.pos) / MAX_ENCODED_KEY_SIZE);
      if (room === 0) {
        await this.flush();
        continue;
      }
      const n = Math.min(room, count - done);
      this.pos = encodeRows(rows, first + done, n, tag, this.out, this.pos);
      done += n;
    }
  }

  private async flush(): Promise<void> {
    if (this.pos === 0 || !this.writer) return;
    const chunk = this.out.subarray(0, this.pos);
    this.out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    await this.writer.write(chunk);
  }

  private async openNext(): Promise<void> {
    const { config, window, signingKeys, blobs, compressionLevel } = this.options;
    const fileNumber = this.files.length + 1;
    const name = exportFileName(config.root, window, fileNumber);
    this.writer = await ExportFileWriter.open({
      blobs,
      name,
      compressionLevel,
      signingKeys,
      mtime: window.end,
      header: {
        startTimestamp: Math.floor(window.start.getTime() / 1000),
        endTimestamp: fileEndTimestamp(window, fileNumber),
        region: config.outputRegion,
        batchNum: 1,
        batchSize: 1,
        signatureInfos: signingKeys.map((k) => k.info),
      },
    });
    this.current = { name, fileNumber, keyCount: 0, revisedCount: 0, paddingCount: 0 };
    this.records = 0;
  }

  private async closeCurrent(): Promise<void> {
    if (!this.writer || !this.current) return;
    await this.flush();
    await this.writer.finish();
    this.files.push(this.current);
    this.writer = undefined;
    this.current = undefined;
  }
}
