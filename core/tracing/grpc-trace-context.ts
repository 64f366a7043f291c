import type { Metadata } from '@grpc/grpc-js';
import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).map(String);
    return values.length === 0 ? undefined : values;
  },
};

/**
 * Writes the active span's W3C `traceparent` (and `tracestate`) into a call's metadata, so the upstream's span of
 * this call becomes its child. Without tracing the propagator is the API's no-op and nothing is added.
 */
export function injectTraceContext(metadata: Metadata): void {
  propagation.inject(context.active(), metadata, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
}

/**
 * The caller's trace context from a call's metadata. Extracted onto the root context rather than the active
 * one: a server span's parent comes from its caller's metadata only, never from whatever this process was doing.
 */
export function extractTraceContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}
