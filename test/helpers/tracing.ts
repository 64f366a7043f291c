import type { ExecutionContext } from 'ava';
import test from 'ava';
import type { Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installTracing, type InstalledTracing } from '../../core/tracing/install-tracing';

/**
 * For a test file about spans: installs a tracer provider that keeps every span in memory, before the file's tests
 * (the OpenTelemetry API is global to the test process, so every server the file starts records into it), and
 * removes it after them. Tests that read spans should filter by trace or run serially and `reset()` first.
 */
export function useInMemoryTracing(): { exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  let installed: InstalledTracing | undefined;
  test.before(() => {
    installed = installTracing({ serviceName: 'enfed-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    if (!installed) throw new Error('a tracer provider was already installed in this test process');
  });
  test.after.always(async () => {
    await installed?.shutdown();
  });
  return { exporter };
}

/** The one finished span named `name` (fails the test when there is not exactly one). */
export function onlySpan(t: ExecutionContext, spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  t.is(found.length, 1, `spans named ${name}: ${found.length}`);
  return found[0]!;
}

/** True when `child`'s parent is `parent` (same trace, parent span id). */
export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return (
    child.spanContext().traceId === parent.spanContext().traceId &&
    child.parentSpanContext?.spanId === parent.spanContext().spanId
  );
}

/** Every attribute value of the spans and their events, as text, for "no secret anywhere" checks. */
export function allAttributeText(spans: readonly ReadableSpan[]): string {
  const values = (attributes: Attributes | undefined) => Object.values(attributes ?? {}).map(String);
  return spans
    .flatMap((s) => [
      s.name,
      s.status.message ?? '',
      ...values(s.attributes),
      ...s.events.flatMap((e) => [e.name, ...values(e.attributes)]),
    ])
    .join('\n');
}
