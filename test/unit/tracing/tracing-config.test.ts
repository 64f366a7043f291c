import test from 'ava';
import { ConfigError } from '../../../core/config/env';
import { otlpTracesUrl } from '../../../core/tracing/start-tracing';
import { parseHubConfig } from '../../../hub/hub.config';
import { parseNodeConfig } from '../../../node/node.config';

test('tracing is off by default, with the standard local OTLP/HTTP endpoint', (t) => {
  for (const config of [parseNodeConfig({}), parseHubConfig({})]) {
    t.false(config.TRACING_ENABLED);
    t.is(config.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:4318');
    t.is(config.OTEL_SERVICE_NAME, undefined);
  }
});

test('bad tracing settings are reported with the other problems, a credential in the endpoint masked', (t) => {
  const error = t.throws(
    () =>
      parseNodeConfig({
        TRACING_ENABLED: 'sometimes',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:hunter2@collector:4317',
        OTEL_SERVICE_NAME: 'has spaces',
        HTTP_PORT: 'x',
      }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), [
    'HTTP_PORT',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_SERVICE_NAME',
    'TRACING_ENABLED',
  ]);
  t.false(error.message.includes('hunter2'));
});

test('spans go to <endpoint>/v1/traces, as OTLP/HTTP derives it', (t) => {
  t.is(otlpTracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
  t.is(otlpTracesUrl('https://collector.example/otlp/'), 'https://collector.example/otlp/v1/traces');
});
