import test from 'ava';
import { startTestHub, startTestNode } from '../../helpers/test-servers';

/** The value of one sample line, e.g. `enfed_http_requests_total{method="GET",route="/healthz",status="200"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('two servers in one process each serve their own /metrics with process and HTTP metrics', async (t) => {
  const [node, hub] = await Promise.all([startTestNode(), startTestHub()]);
  try {
    // Traffic on the node only: a matched route, one with an id-like path that matches nothing, and a 405.
    await (await fetch(`${node.server.httpUrl}/healthz`)).arrayBuffer();
    await (await fetch(`${node.server.httpUrl}/healthz`)).arrayBuffer();
    await (await fetch(`${node.server.httpUrl}/no/such/path/12345`)).arrayBuffer();
    await (await fetch(`${node.server.httpUrl}/healthz`, { method: 'POST' })).arrayBuffer();
    // A metric declared by a component on the hub must not appear on the node.
    hub.server.context.metrics.counter('enfed_test_only_total', 'test', ['outcome']).inc({ outcome: 'ok' }, 3);

    const response = await fetch(`${node.server.httpUrl}/metrics`);
    t.is(response.status, 200);
    t.regex(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    t.regex(text, /^# HELP process_cpu_user_seconds_total /m);
    t.regex(text, /^nodejs_heap_size_used_bytes \d/m);
    t.regex(text, /^# TYPE enfed_http_request_duration_seconds histogram$/m);
    t.is(sample(text, 'enfed_http_requests_total{method="GET",route="/healthz",status="200"}'), 2);
    t.is(sample(text, 'enfed_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
    t.is(sample(text, 'enfed_http_requests_total{method="POST",route="unmatched",status="405"}'), 1);
    t.false(text.includes('12345'), 'raw URLs never become labels');
    t.false(text.includes('enfed_test_only_total'));

    const hubText = await (await fetch(`${hub.server.httpUrl}/metrics`)).text();
    t.is(sample(hubText, 'enfed_test_only_total{outcome="ok"}'), 3);
    t.is(sample(hubText, 'enfed_http_requests_total{method="GET",route="/healthz",status="200"}'), undefined);
    t.regex(hubText, /^process_start_time_seconds \d/m);
  } finally {
    await Promise.all([node.destroy(), hub.destroy()]);
  }
});
