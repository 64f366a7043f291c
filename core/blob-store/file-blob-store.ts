import { randomBytes } from 'node:crypto';
import { close, createWriteStream, fsync, open, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { NotFoundError } from '../errors/app-error';

/** Names inside the store: slash-separated segments of letters, digits, `.`, `_`, `-`, never `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** True when `name` is a safe relative blob name (no traversal, no absolute path, no empty segment). */
export function isSafeBlobName(name: string): boolean {
  if (name.length === 0 || name.length > 512) return false;
  return name.split('/').every((segment) => SEGMENT.test(segment) && segment !== '..' && !segment.startsWith('..'));
}

/** A file being written: write into `stream`, then `commit()` (atomic rename) or `abort()`. */
export interface BlobWrite {
  stream: WriteStream;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * The filesystem blob store under BLOB_DIR. Every write goes to a temporary file in the same directory,
 * is flushed to disk and then renamed over the final name, so a reader (the HTTP route, a CDN) sees the
 * old file or the new one, never half a file.
 */
export class FileBlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Absolute path of a blob; refuses names that could leave the root. */
  resolve(name: string): string {
    if (!isSafeBlobName(name)) throw new NotFoundError('no such file', 'not_found');
    const full = path.resolve(this.root, name);
    if (!full.startsWith(this.root + path.sep)) throw new NotFoundError('no such file', 'not_found');
    return full;
  }

  /** Starts an atomic write of `name`. */
  async createWrite(name: string): Promise<BlobWrite> {
    const target = this.resolve(name);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    // A plain descriptor (not a FileHandle, whose close() waits for the stream to release it) so that the
    // data can be fsynced after the stream finishes and before the rename makes it visible.
    const fd = await promisify(open)(temp, 'w');
    const stream = createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
    let settled = false;
    const finished = new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
    });
    return {
      stream,
      async commit() {
        settled = true;
        try {
          await finished;
          await promisify(fsync)(fd);
        } finally {
          await promisify(close)(fd);
        }
        await rename(temp, target);
      },
      async abort() {
        if (settled) return;
        settled = true;
        stream.destroy();
        await promisify(close)(fd).catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  /** Writes a small blob atomically. */
  async writeAtomic(name: string, data: Buffer | string): Promise<void> {
    const write = await this.createWrite(name);
    try {
      write.stream.end(data);
      await write.commit();
    } catch (err) {
      await write.abort();
      throw err;
    }
  }

  /** Deletes a blob; a missing one is fine (cleanup may run twice). */
  async delete(name: string): Promise<void> {
    await rm(this.resolve(name), { force: true });
  }

  /** Size of a blob, or undefined when it does not exist (or is not a regular file). */
  async size(name: string): Promise<number | undefined> {
    try {
      const info = await stat(this.resolve(name));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }
}
