import { PassThrough } from 'node:stream';
import type { BlobWrite } from './blob-store';

/** Thrown into an object store's upload to stop it before it commits. */
class WriteAborted extends Error {
  constructor() {
    super('blob write aborted');
    this.name = 'WriteAborted';
  }
}

/**
 * The BlobWrite of an object store: the caller writes into a pass-through stream that `upload` consumes while
 * it sends blocks or parts (so memory stays bounded by the upload's buffers). The store makes the object visible
 * only when the upload completes with the stream's end (Azure: Put Block List; S3: Complete Multipart Upload or
 * a single PUT), both atomic on the server. `abort()` errors the stream, so the upload fails before that commit;
 * staged blocks and parts left by an abort or a crash are never visible and expire on the server.
 */
export function objectWrite(upload: (body: PassThrough) => Promise<unknown>): BlobWrite {
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  // An upload failure reaches the writer as a stream error (so a writer waiting for 'drain' wakes up) and as the
  // commit's rejection; this listener keeps the error from being unhandled when nobody else listens.
  stream.on('error', () => undefined);
  const done = upload(stream).then(
    () => undefined,
    (err: unknown) => {
      if (!stream.destroyed) stream.destroy(err as Error);
      throw err;
    },
  );
  done.catch(() => undefined);
  let aborted = false;
  return {
    stream,
    async commit() {
      if (aborted) throw new WriteAborted();
      await done;
    },
    async abort() {
      if (aborted) return;
      aborted = true;
      // Once the upload has read the stream's end it commits; before that, an error stops it.
      if (!stream.readableEnded) stream.destroy(new WriteAborted());
      await done.catch(() => undefined);
    },
  };
}
