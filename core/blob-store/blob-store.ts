import type { Writable } from 'node:stream';

/** The blob stores enfed can write export files to (BLOB_STORE). */
export const BLOB_STORE_KINDS = ['fs', 'azure', 's3'] as const;
export type BlobStoreKind = (typeof BLOB_STORE_KINDS)[number];

/** The HTTP headers a blob is served with, stored with it where the store keeps them (object stores). */
export interface BlobHeaders {
  contentType: string;
  cacheControl: string;
}

/** What a store says about one blob. Headers are absent where the store keeps none (the filesystem). */
export interface BlobInfo {
  size: number;
  contentType?: string;
  cacheControl?: string;
}

/**
 * A blob being written: write into `stream`, end it, then `commit()`; or `abort()` on any failure. Until
 * `commit()` resolves, no reader of the store sees anything of it under its name (an earlier blob of the same name
 * stays whole), and after `abort()` or a crash nothing of it is ever visible.
 */
export interface BlobWrite {
  stream: Writable;
  /** Resolves once the blob is complete and visible under its name. */
  commit(): Promise<void>;
  /** Drops the partial write; safe to call more than once, and after a failed commit. */
  abort(): Promise<void>;
}

/**
 * Where export files live: a directory (the node and hub serve it themselves), an Azure Blob Storage container
 * or an S3 bucket (served by the store or a CDN in front of it). Names are slash-separated and relative
 * (`<root>/index.txt`, `<root>/<start>-<end>-<NNNNN>.zip`); every write is atomic.
 */
export interface BlobStore {
  readonly kind: BlobStoreKind;
  /** Where the blobs are, for logs: a path or a container/bucket URL, never a credential. */
  readonly location: string;
  /** Fails when the store cannot be reached or its container/bucket does not exist (checked at start-up). */
  check(): Promise<void>;
  /** Starts an atomic write of `name`, memory bounded whatever its size. */
  createWrite(name: string, headers: BlobHeaders): Promise<BlobWrite>;
  /** Writes a small blob atomically. */
  writeAtomic(name: string, data: Buffer | string, headers: BlobHeaders): Promise<void>;
  /** Deletes a blob; a missing one is fine (cleanup may run twice). */
  delete(name: string): Promise<void>;
  /** What the store says about a blob, or undefined when there is none. */
  stat(name: string): Promise<BlobInfo | undefined>;
  /**
   * Names of the visible blobs under `prefix` (`''` or a folder ending in `/`), at any depth, sorted; never the
   * leftovers of unfinished writes.
   */
  list(prefix: string): Promise<string[]>;
  /** The whole content of a (small) blob, or undefined when there is none. */
  read(name: string): Promise<Buffer | undefined>;
  /** Releases connections (at shutdown). */
  close(): Promise<void>;
}

/** Names inside a store: slash-separated segments of letters, digits, `.`, `_`, `-`, never `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** True when `name` is a safe relative blob name (no traversal, no absolute path, no empty segment). */
export function isSafeBlobName(name: string): boolean {
  if (name.length === 0 || name.length > 512) return false;
  return name.split('/').every((segment) => SEGMENT.test(segment) && segment !== '..' && !segment.startsWith('..'));
}

/** Writes `data` through a store's atomic write (the shared body of every store's writeAtomic). */
export async function writeWhole(
  store: Pick<BlobStore, 'createWrite'>,
  name: string,
  data: Buffer | string,
  headers: BlobHeaders,
): Promise<void> {
  const write = await store.createWrite(name, headers);
  try {
    write.stream.end(data);
    await write.commit();
  } catch (err) {
    await write.abort();
    throw err;
  }
}
