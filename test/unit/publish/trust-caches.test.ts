import test from 'ava';
import { publish, type PublishDeps } from '../../../node/publish/publish';
import { MaintenanceError } from '../../../node/publish/publish-errors';
import { TtlCache } from '../../../core/cache/ttl-cache';

test('the TTL cache serves hits, shares concurrent loads, expires, and does not cache failures', async (t) => {
  let clock = 0;
  let loads = 0;
  let fail = false;
  const cache = new TtlCache<string, number>(
    async (k) => {
      loads += 1;
      if (fail) throw new Error('down');
      return k.length + loads * 100;
    },
    30_000,
    2,
    () => clock,
  );
  const [a, b] = await Promise.all([cache.get('ab'), cache.get('ab')]);
  t.is(a, 102);
  t.is(b, 102);
  t.is(loads, 1);
  clock = 29_999;
  t.is(await cache.get('ab'), 102);
  clock = 30_000;
  t.is(await cache.get('ab'), 202, 'expired entries reload');
  fail = true;
  await t.throwsAsync(cache.get('x'));
  fail = false;
  t.is(await cache.get('x'), 401, 'a failed load is retried');
  await cache.get('y');
  await cache.get('z');
  const before = loads;
  await cache.get('ab');
  t.is(loads, before + 1, 'the oldest entry was evicted beyond maxEntries');
});

test('maintenance mode answers every publish with the maintenance error before any work', async (t) => {
  const deps = { settings: { maintenance: true } } as unknown as PublishDeps;
  const err = await t.throwsAsync(publish(deps, {} as never), { instanceOf: MaintenanceError });
  t.is(err?.code, 'maintenance');
  t.is(err?.kind, 'resource_exhausted');
});
