import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { close, createWriteStream, fsync, open } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { NotFoundError } from '../errors/app-error';
import {
  isSafeBlobName,
  writeWhole,
  type BlobHeaders,
  type BlobInfo,
  type BlobStore,
  type BlobWrite,
} from './blob-store';

/**
 * The filesystem blob store under BLOB_DIR. Every write goes to a temporary file in the same directory,
 * is flushed to disk and then renamed over the final name, so a reader (the HTTP route, a CDN) sees the
 * old file or the new one, never half a file. Headers are not stored: the HTTP route derives them from the name.
 */
export class FileBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get location(): string {
    return this.root;
  }

  /** The directory is created on first write; only a parent that cannot hold it is a problem. */
  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root);
  }

  /** Absolute path of a blob; refuses names that could leave the root. */
  resolve(name: string): string {
    if (!isSafeBlobName(name)) throw new NotFoundError('no such file', 'not_found');
    const full = path.resolve(this.root, name);
    if (!full.startsWith(this.root + path.sep)) throw new NotFoundError('no such file', 'not_found');
    return full;
  }

  /** Starts an atomic write of `name` (the headers are the route's business here). */
  async createWrite(name: string, _headers?: BlobHeaders): Promise<BlobWrite> {
    const target = this.resolve(name);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    // A plain descriptor (not a FileHandle, whose close() waits for the stream to release it) so that the
    // data can be fsynced after the stream finishes and before the rename makes it visible.
    const fd = await promisify(open)(temp, 'w');
    const stream = createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
    let settled = false;
    let aborted = false;
    const finished = new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
    });
    // Observed by commit(); an error after an abort must not go unhandled.
    finished.catch(() => undefined);
    // A destroyed stream closes the descriptor itself (autoClose only governs the close after 'finish'), and a
    // failed stream destroys itself. Closing it here too raced that close (EBADF) and could close a descriptor
    // number already reused by another open.
    const closeOnce = async () => {
      if (stream.destroyed) {
        if (!stream.closed) await once(stream, 'close').catch(() => undefined);
        return;
      }
      await promisify(close)(fd);
    };
    return {
      stream,
      async commit() {
        if (aborted) throw new Error('blob write aborted');
        settled = true;
        try {
          await finished;
          await promisify(fsync)(fd);
        } finally {
          await closeOnce();
        }
        await rename(temp, target);
      },
      async abort() {
        if (settled) return;
        settled = true;
        aborted = true;
        stream.destroy();
        await closeOnce();
        await rm(temp, { force: true });
      },
    };
  }

  /** Writes a small blob atomically. */
  async writeAtomic(name: string, data: Buffer | string, headers?: BlobHeaders): Promise<void> {
    await writeWhole(this, name, data, headers ?? { contentType: '', cacheControl: '' });
  }

  /** Deletes a blob; a missing one is fine (cleanup may run twice). */
  async delete(name: string): Promise<void> {
    await rm(this.resolve(name), { force: true });
  }

  /** Size of a blob, or undefined when it does not exist (or is not a regular file). */
  async size(name: string): Promise<number | undefined> {
    return (await this.stat(name))?.size;
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.resolve(name));
      return info.isFile() ? { size: info.size } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Temporary files (dot-files) are not blobs; neither is anything outside the root. */
  async list(prefix: string): Promise<string[]> {
    if (prefix !== '' && (!prefix.endsWith('/') || !isSafeBlobName(prefix.slice(0, -1)))) return [];
    const names: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      const entries = await readdir(path.join(this.root, folder), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        if (entry.isDirectory()) await walk(`${folder}${entry.name}/`);
        else if (entry.isFile()) names.push(`${folder}${entry.name}`);
      }
    };
    await walk(prefix);
    return names.sort();
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.resolve(name));
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {}
}
