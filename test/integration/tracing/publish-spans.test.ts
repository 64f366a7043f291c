import test from 'ava';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { dailyKeys, postPublish, publishBody, usePublishTestNode } from '../../helpers/publish-fixtures';
import { allAttributeText, isChildOf, onlySpan, useInMemoryTracing } from '../../helpers/tracing';

const NOW = new Date('2026-11-20T10:25:00Z');
const { exporter } = useInMemoryTracing();
const setup = usePublishTestNode(NOW);

test.serial('a publish over HTTP is one publish span with parse, verify and store children, counts only', async (t) => {
  exporter.reset();
  const keys = dailyKeys(NOW, 3, 0);
  const body = publishBody(setup.authority, keys, NOW);
  const res = await postPublish(setup.node.server.httpUrl, body);
  t.is(res.status, 200, JSON.stringify(res.json));
  const spans = exporter.getFinishedSpans();

  const publish = onlySpan(t, spans, 'publish');
  t.is(publish.kind, SpanKind.SERVER);
  t.is(publish.parentSpanContext, undefined, 'a root: nothing the app sent makes it a child');
  t.like(publish.attributes, {
    'enfed.publish.code': 'ok',
    'http.response.status_code': 200,
    'enfed.publish.stored': 3,
    'enfed.publish.dropped': 0,
  });
  const parse = onlySpan(t, spans, 'publish.parse');
  const verify = onlySpan(t, spans, 'publish.verify');
  const store = onlySpan(t, spans, 'publish.store');
  for (const child of [parse, verify, store]) t.true(isChildOf(child, publish), child.name);
  t.is(parse.attributes['enfed.publish.keys'], 3);
  t.true((parse.attributes['enfed.publish.body_bytes'] as number) > 100);
  t.like(store.attributes, { 'enfed.publish.keys': 3, 'enfed.publish.inserted': 3, 'enfed.publish.revised': 0 });
  for (const span of spans) t.not(span.status.code, SpanStatusCode.ERROR, span.name);

  // No key, token, certificate or address anywhere in the spans.
  const text = allAttributeText(spans);
  const secrets = [
    ...keys.flatMap((k) => [k.key, Buffer.from(k.key, 'base64').toString('hex')]),
    body.verificationPayload as string,
    body.hmacKey as string,
    res.json.revisionToken as string,
    '127.0.0.1',
  ];
  for (const secret of secrets) t.false(text.includes(secret), `span text holds ${secret.slice(0, 12)}…`);
});

test.serial('a refused publish records its code; a malformed body fails publish.parse without its text', async (t) => {
  exporter.reset();
  const unknownApp = await postPublish(setup.node.server.httpUrl, {
    ...publishBody(setup.authority, dailyKeys(NOW, 1, 0), NOW),
    healthAuthorityID: 'nope',
  });
  t.is(unknownApp.status, 401);
  const refused = onlySpan(t, exporter.getFinishedSpans(), 'publish');
  t.like(refused.attributes, { 'enfed.publish.code': 'unknown_health_authority_id', 'http.response.status_code': 401 });
  t.not(refused.status.code, SpanStatusCode.ERROR, "a client's mistake is not the server's failure");

  exporter.reset();
  const marker = 'secret-looking-field-name';
  const malformed = await postPublish(setup.node.server.httpUrl, { [marker]: 1 });
  t.is(malformed.status, 400);
  const spans = exporter.getFinishedSpans();
  const parse = onlySpan(t, spans, 'publish.parse');
  t.is(parse.status.code, SpanStatusCode.ERROR);
  t.deepEqual(
    parse.events.map((e) => e.attributes),
    [{ 'exception.type': 'BadRequestError', 'enfed.error.code': 'bad_request' }],
  );
  t.false(allAttributeText(spans).includes(marker), 'the error message (which quotes the request) is left out');
  t.is(spans.filter((s) => s.name === 'publish.verify' || s.name === 'publish.store').length, 0);
});
