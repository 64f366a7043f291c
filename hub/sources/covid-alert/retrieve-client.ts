import { createHmac } from 'node:crypto';
import { AppError } from '../../../core/errors/app-error';

const HOUR_MS = 3_600_000;

/** Day numbers are written with five digits in the URL (the reference's route; six digits come in 2243). */
export function dayInUrl(day: number): string {
  return String(day).padStart(5, '0');
}

/**
 * The reference's retrieve MAC: hex HMAC-SHA256 under the shared retrieve key of `<region>:<day>:<hour>`, with
 * `<day>` as written in the URL and `<hour>` the Unix hour (seconds / 3600, rounded down). The server accepts the
 * hour before and after its own, so our clock may be off by up to an hour.
 */
export function retrieveMac(key: Buffer, region: string, day: string, now: Date): string {
  const hour = Math.floor(now.getTime() / HOUR_MS);
  return createHmac('sha256', key).update(`${region}:${day}:${hour}`, 'utf8').digest('hex');
}

/** The server answered a retrieve request with something other than 200; the status goes to the ledger. */
export class RetrieveStatusError extends AppError {
  constructor(readonly status: number) {
    super('unavailable', `http_${status}`, `the retrieve API answered HTTP ${status}`);
  }
}

/** The request did not complete in time (connect, headers and body together). */
export class RetrieveTimeoutError extends AppError {
  constructor(readonly seconds: number) {
    super('unavailable', 'retrieve_timeout', `no complete answer within ${seconds} s`);
  }
}

/** The answer was larger than the configured cap; reading stopped there. */
export class RetrieveTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super('unavailable', 'retrieve_too_large', `the answer exceeds ${maxBytes} bytes`);
  }
}

/** Any other transport failure (refused, reset, DNS): only its code word is kept. */
export class RetrieveNetworkError extends AppError {
  constructor(cause: string) {
    super('unavailable', 'retrieve_network', `the retrieve API could not be reached (${cause})`);
  }
}

export interface RetrieveRequest {
  baseUrl: string;
  region: string;
  day: number;
  key: Buffer;
  now: Date;
  timeoutSeconds: number;
  maxBytes: number;
  signal?: AbortSignal;
}

/**
 * GETs one day's file, bounded in time (the whole exchange) and in size (read in chunks, dropped past the cap).
 * The URL carries the MAC, so it is never logged.
 */
export async function fetchDay(request: RetrieveRequest): Promise<Buffer> {
  const day = dayInUrl(request.day);
  const mac = retrieveMac(request.key, request.region, day, request.now);
  const url = `${request.baseUrl.replace(/\/+$/, '')}/retrieve/${request.region}/${day}/${mac}`;
  const timeout = AbortSignal.timeout(request.timeoutSeconds * 1000);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  try {
    const response = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/zip' } });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new RetrieveStatusError(response.status);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > request.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new RetrieveTooLargeError(request.maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > request.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new RetrieveTooLargeError(request.maxBytes);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    return Buffer.concat(chunks, size);
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (timeout.aborted) throw new RetrieveTimeoutError(request.timeoutSeconds);
    if (request.signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.name ?? 'error';
    throw new RetrieveNetworkError(String(cause).slice(0, 40));
  }
}
