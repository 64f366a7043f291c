import type { IncomingMessage } from 'node:http';
import { AppError, BadRequestError } from '../errors/app-error';

/** The body exceeded the limit (413). */
export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super('payload_too_large', 'bad_request', `request body larger than ${limit} bytes`);
  }
}

/** How much of an oversized body is read and discarded, so the client sees the 413 rather than a reset. */
const DRAIN_LIMIT = 1_048_576;

/**
 * Reads the raw body up to `limit` bytes, counting what actually arrives (Content-Length is only a hint
 * and is checked first). An oversized body is drained up to a cap and answered 413; beyond the cap the
 * connection is cut. Resolves to a Buffer or rejects with PayloadTooLargeError.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = Number.isFinite(declared) && declared > limit;
    const finish = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (received > DRAIN_LIMIT) {
          req.pause();
          req.socket.destroy();
          finish(new PayloadTooLargeError(limit));
        }
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(tooLarge ? new PayloadTooLargeError(limit) : undefined);
    const onError = (err: Error) => finish(err);
    const onAborted = () => finish(new BadRequestError('request aborted'));
    if (tooLarge && declared > DRAIN_LIMIT) {
      finish(new PayloadTooLargeError(limit));
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
