import { z } from 'zod';
import { flag, url } from '../config/env';

/**
 * OpenTelemetry tracing (docs/operations.md, "Tracing"). Off by default: no tracer provider is registered, so every
 * span the code starts is the API's no-op span and costs next to nothing. Spread into the common settings, so node
 * and hub validate them with everything else.
 */
export const tracingSettings = {
  /** Record spans and send them to OTEL_EXPORTER_OTLP_ENDPOINT. */
  TRACING_ENABLED: flag(false),
  /** Base URL of an OTLP/HTTP collector; spans are POSTed (JSON) to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url('http://127.0.0.1:4318', ['http:', 'https:']),
  /** service.name of the spans; default ENFED_INSTANCE, else enfed-node / enfed-hub. */
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)')
    .optional(),
};
