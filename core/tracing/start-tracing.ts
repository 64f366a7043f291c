import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { redactUrl } from '../config/redact';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { Logger } from '../logging/logger';
import { installTracing } from './install-tracing';

/** The settings startTracing reads (tracing.config.ts and ENFED_INSTANCE). */
export interface TracingStartConfig {
  TRACING_ENABLED: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SERVICE_NAME?: string | undefined;
  ENFED_INSTANCE?: string | undefined;
}

/** `<endpoint>/v1/traces`, as the OTLP/HTTP specification derives the traces URL from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function otlpTracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * With TRACING_ENABLED, registers a tracer provider that batches spans to the OTLP collector, and a shutdown stage
 * that flushes them. Call it first in start-up: stages stop in reverse order, so spans recorded while the other
 * stages stop are still sent. Disabled (the default), it registers nothing.
 */
export function startTracing(
  config: TracingStartConfig,
  role: 'node' | 'hub',
  lifecycle: Lifecycle,
  logger: Logger,
): void {
  if (!config.TRACING_ENABLED) return;
  const serviceName = config.OTEL_SERVICE_NAME ?? config.ENFED_INSTANCE ?? `enfed-${role}`;
  const exporter = new OTLPTraceExporter({ url: otlpTracesUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT) });
  const installed = installTracing({ serviceName, spanProcessors: [new BatchSpanProcessor(exporter)] });
  if (!installed) {
    logger.warn('tracing: a tracer provider is already registered in this process; spans go to that one');
    return;
  }
  lifecycle.onStop('tracing', () => installed.shutdown());
  logger.info({ endpoint: redactUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT), serviceName }, 'tracing enabled');
}
