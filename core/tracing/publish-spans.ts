import { SpanStatusCode, trace } from '@opentelemetry/api';
import { SpanKind, withSpan } from './spans';

/*
 * Publish spans: `publish` around one POST /v1/publish (a server span, a root: an app's traceparent is not trusted),
 * with publish.parse (reading and parsing the body), publish.verify (the verification certificate, when the app
 * is not exempt) and publish.store (the one transaction that stores the keys). Counts and codes only: never a key,
 * token, certificate or client address.
 */

export function publishSpan(fn: () => Promise<void>): Promise<void> {
  return withSpan('publish', {}, fn, { kind: SpanKind.SERVER });
}

/** Sets the answer on the publish span: its code, and keys stored and dropped; a 5xx marks it failed. */
export function publishOutcome(code: string, httpStatus: number, stored = 0, dropped = 0): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttributes({
    'enfed.publish.code': code,
    'http.response.status_code': httpStatus,
    'enfed.publish.stored': stored,
    'enfed.publish.dropped': dropped,
  });
  if (httpStatus >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** `fn` reads and parses the body, and tells its size. */
export async function tracePublishParse<R extends { temporaryExposureKeys: readonly unknown[] }>(
  fn: () => Promise<{ bytes: number; request: R }>,
): Promise<R> {
  const parsed = await withSpan('publish.parse', {}, fn, {
    describe: ({ bytes, request }) => ({
      'enfed.publish.body_bytes': bytes,
      'enfed.publish.keys': request.temporaryExposureKeys.length,
    }),
  });
  return parsed.request;
}

export function tracePublishVerify<T>(fn: () => Promise<T>): Promise<T> {
  return withSpan('publish.verify', {}, fn);
}

export function tracePublishStore<T extends { inserted: number; revised: number }>(
  keys: number,
  fn: () => Promise<T>,
): Promise<T> {
  return withSpan('publish.store', { 'enfed.publish.keys': keys }, fn, {
    describe: (outcome) => ({ 'enfed.publish.inserted': outcome.inserted, 'enfed.publish.revised': outcome.revised }),
  });
}
