import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** A registered tracer provider; `shutdown()` flushes its spans and unregisters it. */
export interface InstalledTracing {
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider with `spanProcessors` as the process's global one, with the context manager that
 * carries the active span across awaits and the W3C trace-context propagator (the `traceparent` sent to upstreams).
 * The OpenTelemetry API is global to the process, unlike the rest of a server's state: when a provider is already
 * registered (a second server in the same process, or a test that installed its own) nothing is changed and
 * undefined is returned; the spans then go to the provider already there.
 */
export function installTracing(options: {
  serviceName: string;
  spanProcessors: SpanProcessor[];
}): InstalledTracing | undefined {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: options.spanProcessors,
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    void provider.shutdown();
    return undefined;
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          // Unregistered so that a later server in this process (tests) can register its own.
          trace.disable();
          propagation.disable();
          context.disable();
        }
      })();
      return stopping;
    },
  };
}
