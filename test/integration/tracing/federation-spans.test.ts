import test from 'ava';
import { SpanKind } from '@opentelemetry/api';
import { truncate } from '../../../core/keys/intervals';
import { pullUpstream, type PullDeps } from '../../../hub/sources/federation/pull-upstream';
import { connectHubToNode, pullDeps, TestClock } from '../../helpers/federation-harness';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey } from '../../helpers/key-factory';
import { startTestHub, startTestNode } from '../../helpers/test-servers';
import { allAttributeText, isChildOf, onlySpan, useInMemoryTracing } from '../../helpers/tracing';

// Hub and node run in this one process and record into one in-memory exporter. The node's federation.Fetch span
// takes its parent from the call's metadata only (extracted onto the root context), so a parent link between the
// two can only come from the traceparent the hub sent over the mTLS gRPC connection.
const { exporter } = useInMemoryTracing();
const clock = new TestClock();
let certs: TestCerts;
let node: Awaited<ReturnType<typeof startTestNode>>;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let deps: PullDeps;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  [node, hub] = await Promise.all([
    startTestNode({ env: certs.serverEnv('node-a'), now: clock.now }),
    startTestHub({ env: { ...certs.serverEnv('hub'), ENFED_COMPONENTS: 'federation-out' }, now: clock.now }),
  ]);
  // Two keys a page: three keys make two pages, so two Fetch calls.
  deps = pullDeps(hub.db.pool, clock, { pageSize: 2 });
});

test.after.always(async () => {
  deps?.clients.close();
  await Promise.allSettled([node?.destroy(), hub?.destroy()]);
  await certs?.destroy();
});

test.serial("each pull.fetch_page is the parent of the node's federation.Fetch span, across gRPC", async (t) => {
  const createdAt = new Date(truncate(clock.now(), 3600).getTime() - 3 * 3600_000);
  const keys = Array.from({ length: 3 }, () => makeKey({ regions: ['CA'], createdAt }));
  await insertKeys(node.db.pool, keys);
  const queryId = await connectHubToNode(hub, node, certs, { name: 'node-a', regions: ['CA'] });
  exporter.reset();

  const outcome = await pullUpstream(deps, queryId);
  t.like(outcome, { status: 'done', counts: { pages: 2, inserted: 3 } });
  const spans = exporter.getFinishedSpans();

  const pull = onlySpan(t, spans, 'pull.upstream');
  t.like(pull.attributes, { 'enfed.upstream': 'node-a', 'enfed.pull.status': 'done', 'enfed.pull.inserted': 3 });
  const fetches = spans.filter((s) => s.name === 'pull.fetch_page');
  const stores = spans.filter((s) => s.name === 'pull.store_page');
  const served = spans.filter((s) => s.name === 'federation.Fetch');
  t.is(fetches.length, 2);
  t.is(stores.length, 2);
  t.is(served.length, 2);
  for (const span of [...fetches, ...stores]) t.true(isChildOf(span, pull), span.name);
  for (const fetch of fetches) {
    t.is(fetch.kind, SpanKind.CLIENT);
    const server = served.find((s) => s.parentSpanContext?.spanId === fetch.spanContext().spanId);
    t.truthy(server, 'a federation.Fetch span whose parent is this fetch_page');
    t.is(server!.spanContext().traceId, fetch.spanContext().traceId);
    t.is(server!.kind, SpanKind.SERVER);
    t.true(server!.parentSpanContext?.isRemote, 'its parent came from the call metadata');
    t.is(server!.attributes['enfed.fetch.keys'], fetch.attributes['enfed.fetch.keys']);
  }
  t.deepEqual(fetches.map((s) => s.attributes['enfed.fetch.keys']).sort(), [1, 2]);
  t.deepEqual(stores.map((s) => s.attributes['enfed.fetch.keys']).sort(), [1, 2]);
  const text = allAttributeText(spans);
  for (const key of keys) t.false(text.includes(key.key.toString('hex')) || text.includes(key.key.toString('base64')));
  t.false(text.includes('127.0.0.1'), 'no address in any span');
});

test.serial('a Fetch call that carries no trace context is a root span of its own', async (t) => {
  exporter.reset();
  const client = certs.client(node.server.addresses.grpc!, 'hub');
  t.teardown(() => client.close());
  await client.fetch({ includeRegions: ['CA'] });
  const served = onlySpan(t, exporter.getFinishedSpans(), 'federation.Fetch');
  t.is(served.parentSpanContext, undefined);
});
