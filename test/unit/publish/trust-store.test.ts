import test from 'ava';
import type { AuthorizedAppInfo, AuthorizedAppRepository } from '../../../node/publish/apps/authorized-app.repository';
import type { HealthAuthorityRepository } from '../../../node/publish/authorities/health-authority.repository';
import { TrustStore } from '../../../node/publish/verification/trust-store';
import { testLogger } from '../../helpers/test-database';

/** Stand-ins for the two repositories (a unit test of the cache; the real ones are tested against PostgreSQL). */
function repositories(counter: { loads: number }) {
  const app: AuthorizedAppInfo = {
    id: 1,
    name: 'gov.wa.app',
    allowedRegions: ['US-WA'],
    allowedHealthAuthorityIds: new Set([1]),
    bypassVerification: false,
    bypassRevisionToken: false,
  };
  return {
    apps: () =>
      ({
        list: async () => {
          counter.loads += 1;
          return [app];
        },
      }) as unknown as AuthorizedAppRepository,
    authorities: () =>
      ({
        list: async () => [{ id: 1, iss: 'https://verify.wa.gov', aud: 'wa', name: 'WA', keys: [] }],
      }) as unknown as HealthAuthorityRepository,
  };
}

test('unknown healthAuthorityIDs and issuers, even random ones, cost no lookup beyond one load per TTL', async (t) => {
  const counter = { loads: 0 };
  const store = new TrustStore(repositories(counter), 60_000, testLogger());
  for (let i = 0; i < 500; i++) {
    t.is(await store.app(`random-${i}-${Math.random()}`), undefined);
    t.is(await store.authority(`https://random-${i}`), undefined);
  }
  t.like(await store.app('GOV.WA.APP'), { name: 'gov.wa.app' }, 'known ids still found, case-insensitively');
  t.like(await store.authority('https://verify.wa.gov'), { id: 1, aud: 'wa' });
  t.is(counter.loads, 1);
});
