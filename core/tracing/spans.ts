import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, type Attributes, type Span };

/**
 * The tracer, asked for at each span: a tracer kept from before a provider was registered (or after it was
 * unregistered, as tests do) would keep answering for the old one. Without a provider this is the API's no-op.
 */
export function tracer(): Tracer {
  return trace.getTracer('enfed');
}

/**
 * Marks `span` failed with the error's type and code only. The message and stack are left out on purpose: a
 * message may quote what a client sent or what a database row holds, and spans must never carry key material,
 * tokens, certificates or addresses.
 */
export function failSpan(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name : typeof err;
  const code = (err as { code?: unknown } | null)?.code;
  const attributes: Attributes = { 'exception.type': type };
  if (typeof code === 'string' || typeof code === 'number') attributes['enfed.error.code'] = code;
  span.addEvent('exception', attributes);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : type });
}

export interface WithSpanOptions<T> {
  kind?: SpanKind;
  /** The parent (e.g. extracted from a remote caller's traceparent); default: the active span. */
  parent?: Context;
  /** Attributes taken from the result (counts, sizes), set before the span ends. */
  describe?: (result: T) => Attributes;
}

/**
 * Runs `fn` inside a span named `name` (active while `fn` runs, so spans it starts are its children), then ends
 * it; a throw marks the span failed (failSpan) and is rethrown. Attributes are counts and sizes only.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: WithSpanOptions<T> = {},
): Promise<T> {
  const run = async (span: Span): Promise<T> => {
    try {
      const result = await fn(span);
      if (options.describe && span.isRecording()) span.setAttributes(options.describe(result));
      return result;
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  };
  const spanOptions = { attributes, kind: options.kind ?? SpanKind.INTERNAL };
  return options.parent
    ? tracer().startActiveSpan(name, spanOptions, options.parent, run)
    : tracer().startActiveSpan(name, spanOptions, run);
}

/** Adds attributes to the active span (a no-op without one, or when tracing is off). */
export function addSpanAttributes(attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes(attributes);
}
