import { ImportError } from './import-errors';

/** Limits of one download. */
export interface DownloadLimits {
  /** Bytes the body may have; a longer body (or a longer Content-Length) fails without reading on. */
  maxBytes: number;
  /** The whole request, headers and body, must finish within this (a stalled server fails here). */
  timeoutMs: number;
}

/** A downloaded body and its content type. */
export interface Downloaded {
  body: Buffer;
  contentType: string;
}

/**
 * GETs `url` with a byte cap and a deadline over the whole exchange. The body is read chunk by chunk and
 * abandoned as soon as it passes the cap, so a hostile or broken server can cost at most `maxBytes` of memory and
 * `timeoutMs` of time. Only http: and https: are fetched.
 */
export async function boundedDownload(url: URL, limits: DownloadLimits, what: string): Promise<Downloaded> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ImportError('download_failed', `${what}: only http and https URLs are fetched`);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, headers: { accept: '*/*' } });
    } catch (err) {
      throw failure(err, controller, what, limits);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new ImportError('http_status', `${what}: HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new ImportError(
        'download_too_large',
        `${what}: ${declared} bytes, more than the ${limits.maxBytes} allowed`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    try {
      for (;;) {
        const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxBytes) {
          await reader?.cancel().catch(() => undefined);
          throw new ImportError('download_too_large', `${what}: more than the ${limits.maxBytes} bytes allowed`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw failure(err, controller, what, limits);
    }
    return { body: Buffer.concat(chunks, size), contentType: response.headers.get('content-type') ?? '' };
  } finally {
    clearTimeout(timer);
  }
}

function failure(err: unknown, controller: AbortController, what: string, limits: DownloadLimits): ImportError {
  if (controller.signal.aborted) {
    return new ImportError('download_timeout', `${what}: no complete answer within ${limits.timeoutMs} ms`);
  }
  const cause = (err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.name ?? 'error';
  return new ImportError('download_failed', `${what}: ${cause}`);
}
