import { generateKeyPairSync } from 'node:crypto';
import test from 'ava';
import { UnavailableError } from '../../../core/errors/app-error';
import type { PublishedKey } from '../../../core/federation/oidc/fetch-jwks';
import { JwksCache } from '../../../core/federation/oidc/jwks-cache';

const URL_A = 'https://issuer.example/jwks.json';

function published(): PublishedKey {
  return { alg: 'ES256', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey };
}

/** A cache over a scripted issuer and a hand-moved clock. */
function setup() {
  let clock = 1_000_000;
  let kids = ['k1'];
  let failing = false;
  let loads = 0;
  const keys = new Map<string, PublishedKey>();
  const cache = new JwksCache({
    load: async () => {
      loads += 1;
      if (failing) throw new UnavailableError('down', 'jwks_unavailable');
      const set = new Map<string, PublishedKey>();
      for (const kid of kids) {
        if (!keys.has(kid)) keys.set(kid, published());
        set.set(kid, keys.get(kid) as PublishedKey);
      }
      return set;
    },
    ttlSeconds: 300,
    minRefreshSeconds: 30,
    now: () => new Date(clock),
  });
  return {
    cache,
    advance: (seconds: number) => (clock += seconds * 1000),
    rotate: (next: string[]) => (kids = next),
    fail: (value: boolean) => (failing = value),
    loads: () => loads,
  };
}

test('a set is reused within its TTL and downloaded again after it', async (t) => {
  const s = setup();
  t.truthy(await s.cache.key(URL_A, 'k1'));
  t.truthy(await s.cache.key(URL_A, 'k1'));
  t.is(s.loads(), 1);
  s.advance(301);
  t.truthy(await s.cache.key(URL_A, 'k1'));
  t.is(s.loads(), 2);
});

test('an unknown kid refreshes the set, at most once per minimum interval', async (t) => {
  const s = setup();
  await s.cache.key(URL_A, 'k1');
  s.rotate(['k1', 'k2']);
  // Just fetched: a made-up kid does not trigger another download yet.
  t.is(await s.cache.key(URL_A, 'k2'), undefined);
  t.is(await s.cache.key(URL_A, 'zz'), undefined);
  t.is(s.loads(), 1);
  s.advance(31);
  t.truthy(await s.cache.key(URL_A, 'k2'));
  t.is(s.loads(), 2);
  for (let i = 0; i < 5; i++) t.is(await s.cache.key(URL_A, `made-up-${i}`), undefined);
  t.is(s.loads(), 2);
});

test('concurrent misses share one download', async (t) => {
  const s = setup();
  const found = await Promise.all(Array.from({ length: 10 }, () => s.cache.key(URL_A, 'k1')));
  t.true(found.every((k) => k !== undefined));
  t.is(s.loads(), 1);
});

test('a failed refresh keeps the last set for a while; no set at all is UNAVAILABLE', async (t) => {
  const s = setup();
  s.fail(true);
  await t.throwsAsync(s.cache.key(URL_A, 'k1'), { instanceOf: UnavailableError });
  s.fail(false);
  t.truthy(await s.cache.key(URL_A, 'k1'));
  s.fail(true);
  s.advance(301);
  t.truthy(await s.cache.key(URL_A, 'k1'), 'stale set serves during an outage');
  const loads = s.loads();
  t.truthy(await s.cache.key(URL_A, 'k1'));
  t.is(s.loads(), loads, 'a failed refresh is not retried before the minimum interval');
  s.advance(12 * 300);
  await t.throwsAsync(s.cache.key(URL_A, 'k1'), { instanceOf: UnavailableError });
});
