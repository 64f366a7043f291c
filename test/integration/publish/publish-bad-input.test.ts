import test from 'ava';
import { dailyKeys, publishBody, usePublishTestNode } from '../../helpers/publish-fixtures';

const NOW = new Date('2026-11-20T10:25:00Z');
const setup = usePublishTestNode(NOW);

const keyCount = async () =>
  (await setup.node.db.pool.query('select count(*)::int as n from exposure_keys')).rows[0].n as number;
const valid = () => publishBody(setup.authority, dailyKeys(NOW, 2), NOW);
const withKey = (change: Record<string, unknown>) => {
  const body = valid();
  const keys = body.temporaryExposureKeys as Array<Record<string, unknown>>;
  return { ...body, temporaryExposureKeys: [{ ...keys[0], ...change }, keys[1]] };
};

interface Case {
  body: string | (() => unknown);
  contentType?: string;
  status: number;
}

const cases: Record<string, Case> = {
  'malformed JSON': { body: '{"temporaryExposureKeys": [', status: 400 },
  'empty body': { body: '', status: 400 },
  'a JSON array': { body: '[{}]', status: 400 },
  'JSON null': { body: 'null', status: 400 },
  'a JSON string': { body: '"publish"', status: 400 },
  'two JSON objects': { body: '{}{}', status: 400 },
  'wrong content type': { body: () => valid(), contentType: 'text/plain', status: 415 },
  'form content type': { body: () => valid(), contentType: 'application/x-www-form-urlencoded', status: 415 },
  'body over 64,000 bytes': { body: () => ({ ...valid(), padding: 'x'.repeat(64_001) }), status: 413 },
  'unknown top-level field': { body: () => ({ ...valid(), regions: ['US'] }), status: 400 },
  'unknown key field': { body: () => withKey({ reportType: 'confirmed' }), status: 400 },
  '__proto__ field': { body: () => JSON.stringify(valid()).replace(/^\{/, '{"__proto__":{"x":1},'), status: 400 },
  'key not a string': { body: () => withKey({ key: 12345 }), status: 400 },
  'rollingStartNumber above int32': { body: () => withKey({ rollingStartNumber: 2147483648 }), status: 400 },
  'rollingStartNumber below int32': { body: () => withKey({ rollingStartNumber: -2147483649 }), status: 400 },
  'rollingPeriod a float': { body: () => withKey({ rollingPeriod: 143.5 }), status: 400 },
  'transmissionRisk a string': { body: () => withKey({ transmissionRisk: '2' }), status: 400 },
  'rollingPeriod missing': { body: () => withKey({ rollingPeriod: undefined }), status: 400 },
  'symptomOnsetInterval huge': { body: () => ({ ...valid(), symptomOnsetInterval: 1e20 }), status: 400 },
  'temporaryExposureKeys an object': { body: () => ({ ...valid(), temporaryExposureKeys: { key: 'x' } }), status: 400 },
  'temporaryExposureKeys a string': { body: () => ({ ...valid(), temporaryExposureKeys: 'keys' }), status: 400 },
  'a key that is an array': { body: () => ({ ...valid(), temporaryExposureKeys: [['AAAA', 1, 144]] }), status: 400 },
  'a key that is a string': {
    body: () => ({ ...valid(), temporaryExposureKeys: ['AAECAwQFBgcICQoLDA0ODw=='] }),
    status: 400,
  },
  'a key that is null': { body: () => ({ ...valid(), temporaryExposureKeys: [null] }), status: 400 },
  'healthAuthorityID an array': { body: () => ({ ...valid(), healthAuthorityID: ['com.example.app'] }), status: 400 },
  'healthAuthorityID missing': { body: () => ({ ...valid(), healthAuthorityID: undefined }), status: 400 },
  'traveler a string': { body: () => ({ ...valid(), traveler: 'yes' }), status: 400 },
  'verificationPayload an object': { body: () => ({ ...valid(), verificationPayload: { alg: 'none' } }), status: 400 },
  'revisionToken a number': { body: () => ({ ...valid(), revisionToken: 7 }), status: 400 },
  'one non-base64 key beside a valid one': {
    body: () => {
      const keys = dailyKeys(NOW, 2);
      return publishBody(setup.authority, [{ ...keys[0]!, key: 'not base64 at all!!!!!!' }, keys[1]!], NOW);
    },
    status: 200,
  },
  // A garbage revisionToken is not bad input: it is treated as absent (publish-revision.test.ts).
};

for (const [name, c] of Object.entries(cases)) {
  test.serial(`bad input: ${name} → ${c.status}, JSON with a code, nothing stored`, async (t) => {
    const before = await keyCount();
    const body = typeof c.body === 'string' ? c.body : c.body();
    const res = await fetch(`${setup.node.server.httpUrl}/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': c.contentType ?? 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    t.is(res.status, c.status);
    t.is(res.headers.get('x-api-version'), 'v1');
    t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
    const json = (await res.json()) as Record<string, unknown>;
    t.true((json.padding as string).length >= 1024);
    if (c.status === 200) {
      // The one key that does not decode is dropped; its valid sibling is stored.
      t.is(json.code, 'partial_failure');
      t.is(await keyCount(), before + 1);
      return;
    }
    t.is(typeof json.code, 'string');
    t.is(typeof json.error, 'string');
    t.is(await keyCount(), before);
  });
}

test.serial('a body larger than Content-Length claims is still cut at the limit', async (t) => {
  const before = await keyCount();
  // A chunked body has no Content-Length: the limit must be enforced on the bytes that arrive.
  const big = JSON.stringify({ ...valid(), padding: 'y'.repeat(70_000) });
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < big.length; i += 8192) controller.enqueue(new TextEncoder().encode(big.slice(i, i + 8192)));
      controller.close();
    },
  });
  const res = await fetch(`${setup.node.server.httpUrl}/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  t.is(res.status, 413);
  t.is(((await res.json()) as Record<string, unknown>).code, 'bad_request');
  t.is(await keyCount(), before);
});

test.serial('a body of exactly 64,000 bytes is accepted (boundary)', async (t) => {
  const body = valid();
  const base = JSON.stringify({ ...body, padding: '' }).length;
  const exact = JSON.stringify({ ...body, padding: 'z'.repeat(64_000 - base) });
  t.is(Buffer.byteLength(exact), 64_000);
  const res = await fetch(`${setup.node.server.httpUrl}/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: exact,
  });
  t.is(res.status, 200);
});

test.serial('GET /v1/publish is not a publish', async (t) => {
  const res = await fetch(`${setup.node.server.httpUrl}/v1/publish`);
  t.true(res.status === 405 || res.status === 404);
});

test.serial('randomly mutated requests never get a 5xx', async (t) => {
  const odd: unknown[] = [
    null,
    true,
    -1,
    2 ** 31,
    1.5,
    '',
    'x',
    [],
    {},
    [1, 2],
    { a: 1 },
    '\u0000',
    'A'.repeat(300),
    -0,
    1e308,
  ];
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const mutate = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map((v) => (random(4) === 0 ? odd[random(odd.length)] : mutate(v)));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, random(5) === 0 ? odd[random(odd.length)] : mutate(v)]),
      );
    }
    return value;
  };
  const statuses = new Set<number>();
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${setup.node.server.httpUrl}/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(mutate(valid())),
    });
    statuses.add(res.status);
    const json = (await res.json()) as Record<string, unknown>;
    t.true(res.status < 500, `mutation ${i} got ${res.status} ${String(json.code)}`);
    t.true(typeof json.code === 'string' || typeof json.revisionToken === 'string');
  }
  t.true(
    [...statuses].some((s) => s >= 400),
    'mutations were rejected',
  );
});
