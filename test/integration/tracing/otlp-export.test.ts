import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { tracer } from '../../../core/tracing/spans';
import { dailyKeys, postPublish, publishBody, registerAuthorityAndApp } from '../../helpers/publish-fixtures';
import { startTestNode } from '../../helpers/test-servers';

// The production path: TRACING_ENABLED registers a provider that batches spans to an OTLP/HTTP collector (here a
// loopback server that keeps what it is sent) and flushes them at shutdown; off, nothing is recorded or sent.
// Serial: the tracer provider is global to the process.

interface ExportedSpan {
  name: string;
  service: string | undefined;
}

/** A loopback OTLP/HTTP (JSON) collector. */
async function startCollector(): Promise<{ url: string; requests: string[]; spans(): ExportedSpan[]; server: Server }> {
  const requests: string[] = [];
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      bodies.push(JSON.parse(body.toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  type Body = {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: { spans: { name: string }[] }[];
    }[];
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    spans: () =>
      (bodies as Body[]).flatMap((b) =>
        b.resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) =>
            s.spans.map((span) => ({
              name: span.name,
              service: r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
            })),
          ),
        ),
      ),
  };
}

/** Starts a node with `env`, publishes once, stops it; tells whether spans were recorded while it ran. */
async function publishOnce(env: Record<string, string>): Promise<{ recording: boolean }> {
  const now = new Date();
  const node = await startTestNode({ env, now: () => now });
  try {
    const authority = await registerAuthorityAndApp(node.db.orm, { now });
    const res = await postPublish(node.server.httpUrl, publishBody(authority, dailyKeys(now, 2, 0), now));
    if (res.status !== 200) throw new Error(`publish answered ${res.status}`);
    // While the node runs: spans are recorded only when tracing is on.
    const probe = tracer().startSpan('probe');
    const recording = probe.isRecording();
    probe.end();
    return { recording };
  } finally {
    await node.destroy();
  }
}

test.serial('off by default: a node records no span and sends nothing to the collector', async (t) => {
  const collector = await startCollector();
  t.teardown(() => collector.server.close());
  const { recording } = await publishOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  t.false(recording);
  t.deepEqual(collector.requests, []);
});

test.serial(
  'TRACING_ENABLED: the spans reach the OTLP collector by the end of shutdown, under OTEL_SERVICE_NAME',
  async (t) => {
    const collector = await startCollector();
    t.teardown(() => collector.server.close());
    const { recording } = await publishOnce({
      TRACING_ENABLED: 'true',
      // A trailing slash is allowed: spans still go to <endpoint>/v1/traces.
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`,
      OTEL_SERVICE_NAME: 'node-tracing-test',
    });
    t.true(recording);
    t.true(collector.requests.length > 0);
    t.true(
      collector.requests.every((r) => r.startsWith('POST /v1/traces application/json')),
      collector.requests.join(),
    );
    const spans = collector.spans();
    for (const name of ['publish', 'publish.parse', 'publish.verify', 'publish.store']) {
      t.true(
        spans.some((s) => s.name === name),
        name,
      );
    }
    t.true(spans.every((s) => s.service === 'node-tracing-test'));
    // Shutdown unregistered the provider: nothing records any more.
    const after = tracer().startSpan('after');
    after.end();
    t.false(after.isRecording());
  },
);
