import { readFileSync } from 'node:fs';
import { Client, credentials, status } from '@grpc/grpc-js';
import test from 'ava';
import { FederationClient, FederationCallError } from '../../../core/federation/federation-client';
import { loadFederationProto, type FederationFetchRequest } from '../../../core/federation/federation.proto';
import { requestScope } from '../../../core/federation/fetch-cursor';
import { truncate } from '../../../core/keys/intervals';
import { createClientCredentials } from '../../../core/tls/client-credentials';
import { authorizePartner, generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey, reviseKey } from '../../helpers/key-factory';
import { startTestNode } from '../../helpers/test-servers';

const HOUR = 3600_000;
let certs: TestCerts;
let node: Awaited<ReturnType<typeof startTestNode>>;
let address: string;
// The node's clock: tests move it forward to close arrival hours.
let clock = truncate(new Date(), 3600).getTime() + 10 * 60_000;

test.before(async () => {
  certs = await generateTestCerts(['node-a', 'node-b']);
  node = await startTestNode({ env: certs.serverEnv('node-a'), now: () => new Date(clock) });
  address = node.server.addresses.grpc as string;
  await authorizePartner(node.db.pool, {
    name: 'hub',
    fingerprint: certs.fingerprint('hub'),
    include: ['CA', 'NY', 'TX'],
  });
});

test.after.always(async () => {
  await node?.destroy();
  await certs?.destroy();
});

async function callCode(client: FederationClient, request: Partial<FederationFetchRequest>): Promise<number> {
  try {
    await client.fetch(request, 5000);
    return status.OK;
  } catch (err) {
    return err instanceof FederationCallError ? err.grpcCode : -1;
  } finally {
    client.close();
  }
}

test.serial('the bound gRPC address is reported', (t) => {
  t.regex(address, /^127\.0\.0\.1:\d+$/);
});

test.serial('no client certificate, an untrusted CA or an expired certificate: refused at the handshake', async (t) => {
  const { Client } = loadFederationProto();
  const bare = new Client(address, credentials.createSsl(readFileSync(certs.caPath)));
  const noCert = await new Promise<number>((resolve) => {
    (bare as unknown as { Fetch: (r: object, o: object, cb: (e: { code: number } | null) => void) => void }).Fetch(
      {},
      { deadline: new Date(Date.now() + 5000) },
      (err) => resolve(err ? err.code : 0),
    );
  });
  bare.close();
  t.is(noCert, status.UNAVAILABLE);
  t.is(await callCode(certs.client(address, 'untrusted'), { includeRegions: ['CA'] }), status.UNAVAILABLE);
  t.is(await callCode(certs.client(address, 'expired'), { includeRegions: ['CA'] }), status.UNAVAILABLE);
});

test.serial(
  'a trusted certificate without an authorization is UNAUTHENTICATED; revocation needs no restart',
  async (t) => {
    t.is(await callCode(certs.client(address, 'node-b'), { includeRegions: ['CA'] }), status.UNAUTHENTICATED);
    await authorizePartner(node.db.pool, { name: 'temp', fingerprint: certs.fingerprint('partner'), include: ['CA'] });
    t.is(await callCode(certs.client(address, 'partner'), { includeRegions: ['CA'] }), status.OK);
    await node.db.pool.query(`update partner_authorizations set enabled = false where name = 'temp'`);
    t.is(await callCode(certs.client(address, 'partner'), { includeRegions: ['CA'] }), status.UNAUTHENTICATED);
  },
);

test.serial('client mistakes are INVALID_ARGUMENT, with no internal text', async (t) => {
  const client = certs.client(address, 'hub');
  try {
    const overlap = await t.throwsAsync(client.fetch({ includeRegions: ['CA', 'ny'], excludeRegions: ['NY'] }));
    t.is((overlap as FederationCallError).grpcCode, status.INVALID_ARGUMENT);
    t.regex(overlap?.message ?? '', /overlapping_regions/);
    for (const nextToken of ['!!!', Buffer.from('k1|12|zz|x').toString('base64url'), 'a'.repeat(300)]) {
      const bad = await t.throwsAsync(
        client.fetch({
          includeRegions: ['CA'],
          state: { keyCursor: { timestamp: 0, nextToken }, revisedKeyCursor: null },
        }),
      );
      t.is((bad as FederationCallError).grpcCode, status.INVALID_ARGUMENT, nextToken);
    }
    // A state issued for other regions is refused rather than silently mixing two streams.
    const first = await client.fetch({ includeRegions: ['CA'] });
    const mixed = await t.throwsAsync(client.fetch({ includeRegions: ['NY'], state: first.nextFetchState }));
    t.is((mixed as FederationCallError).grpcCode, status.INVALID_ARGUMENT);
  } finally {
    client.close();
  }
});

test.serial('cursor values PostgreSQL cannot hold are INVALID_ARGUMENT, not INTERNAL', async (t) => {
  const client = certs.client(address, 'hub');
  const scope = requestScope({
    includeRegions: ['CA'],
    excludeRegions: [],
    onlyTravelers: false,
    onlyLocalProvenance: false,
  });
  const forged = (micros: string) => Buffer.from(`k1|${micros}|${'00'.repeat(16)}|${scope}`).toString('base64url');
  try {
    const cursors = [
      { timestamp: 1e15, nextToken: '' },
      { timestamp: 0, nextToken: forged('-999999999999999999') },
      { timestamp: 0, nextToken: forged('999999999999999999') },
    ];
    for (const cursor of cursors) {
      const err = await t.throwsAsync(
        client.fetch({ includeRegions: ['CA'], state: { keyCursor: cursor, revisedKeyCursor: null } }),
      );
      t.is((err as FederationCallError).grpcCode, status.INVALID_ARGUMENT, JSON.stringify(cursor));
    }
  } finally {
    client.close();
  }
});

test.serial('a request that is not a valid FederationFetchRequest is INVALID_ARGUMENT, not INTERNAL', async (t) => {
  const raw = new Client(
    address,
    createClientCredentials({
      caCertPath: certs.caPath,
      clientCertPath: certs.certPath('hub'),
      clientKeyPath: certs.keyPath('hub'),
    }),
  );
  try {
    // maxExposureKeys (field 5, varint) cut off in the middle of its value: undecodable.
    const truncated = Buffer.from([0x28, 0xff]);
    const code = await new Promise<number>((resolve) => {
      raw.makeUnaryRequest(
        '/Federation/Fetch',
        (b: Buffer) => b,
        (b: Buffer) => b,
        truncated,
        { deadline: new Date(Date.now() + 5000) },
        (err) => resolve(err ? err.code : status.OK),
      );
    });
    t.is(code, status.INVALID_ARGUMENT);
  } finally {
    raw.close();
  }
});

test.serial(
  'a reference federation-in first call (zero Go time: timestamp -62135596800, empty tokens) starts at the beginning',
  async (t) => {
    // The reference client sends FetchState{Timestamp: time.Time{}.Unix(), NextToken: ""} for both cursors until
    // it has stored a state (internal/federationin/model: FetchState()). That must read as "from the start".
    const hour = truncate(new Date(clock), 3600);
    const key = makeKey({ regions: ['CA'], createdAt: new Date(hour.getTime() - 2 * HOUR) });
    await insertKeys(node.db.pool, [key]);
    const client = certs.client(address, 'hub');
    try {
      const zero = { timestamp: -62135596800, nextToken: '' };
      const page = await client.fetch({ includeRegions: ['CA'], state: { keyCursor: zero, revisedKeyCursor: zero } });
      t.deepEqual(
        page.keys.map((k) => k.exposureKey.toString('hex')),
        [key.key.toString('hex')],
      );
    } finally {
      client.close();
      await node.db.pool.query('delete from exposure_keys');
    }
  },
);

test.serial(
  'regions: intersection with the authorization, exclusions unioned, regions trimmed; travelers; provenance',
  async (t) => {
    const hour = truncate(new Date(clock), 3600);
    const old = new Date(hour.getTime() - 5 * HOUR);
    await node.db.pool.query(`update partner_authorizations set exclude_regions = '{TX}' where name = 'hub'`);
    const keys = [
      makeKey({ regions: ['CA'], createdAt: old }),
      makeKey({ regions: ['NY', 'WA'], createdAt: old }),
      makeKey({ regions: ['WA'], createdAt: old }),
      makeKey({ regions: ['CA', 'TX'], createdAt: old }),
      makeKey({ regions: ['NY'], traveler: true, createdAt: old }),
      makeKey({ regions: ['CA'], localProvenance: false, createdAt: old }),
    ];
    await insertKeys(node.db.pool, keys);
    const client = certs.client(address, 'hub');
    try {
      const hex = (ks: { exposureKey: Buffer }[]) => ks.map((k) => k.exposureKey.toString('hex')).sort();
      const all = await client.fetch({ includeRegions: ['CA', 'NY', 'WA', 'TX'] });
      t.deepEqual(hex(all.keys), hex([keys[0]!, keys[1]!, keys[4]!, keys[5]!].map((k) => ({ exposureKey: k.key }))));
      t.deepEqual(all.keys.find((k) => k.exposureKey.equals(keys[1]!.key))?.regions, ['NY']);
      t.false(all.partialResponse);

      const onlyNy = await client.fetch({ includeRegions: ['NY'], excludeRegions: ['CA'] });
      t.deepEqual(hex(onlyNy.keys), hex([keys[1]!, keys[4]!].map((k) => ({ exposureKey: k.key }))));
      const travelers = await client.fetch({ includeRegions: ['CA', 'NY'], onlyTravelers: true });
      t.deepEqual(hex(travelers.keys), [keys[4]!.key.toString('hex')]);
      t.true(travelers.keys[0]!.traveler);
      // The NY traveler key reaches a CA-only request too, its regions trimmed away.
      const caOnly = await client.fetch({ includeRegions: ['CA'] });
      t.deepEqual(hex(caOnly.keys), hex([keys[0]!, keys[4]!, keys[5]!].map((k) => ({ exposureKey: k.key }))));
      t.deepEqual(caOnly.keys.find((k) => k.exposureKey.equals(keys[4]!.key))?.regions, []);
      const local = await client.fetch({ includeRegions: ['CA'], onlyLocalProvenance: true });
      t.deepEqual(hex(local.keys), hex([keys[0]!, keys[4]!].map((k) => ({ exposureKey: k.key }))));
      const none = await client.fetch({ includeRegions: ['WA'] });
      t.is(none.keys.length, 0);
      t.false(none.partialResponse);
    } finally {
      client.close();
      await node.db.pool.query(`update partner_authorizations set exclude_regions = '{}' where name = 'hub'`);
      await node.db.pool.query('delete from exposure_keys');
    }
  },
);

test.serial('closed-hour rule: a key is served only once its arrival hour has closed', async (t) => {
  const hour = truncate(new Date(clock), 3600);
  const fresh = makeKey({ regions: ['TX'], createdAt: hour });
  await insertKeys(node.db.pool, [fresh]);
  const client = certs.client(address, 'hub');
  try {
    const before = await client.fetch({ includeRegions: ['TX'] });
    t.is(before.keys.length, 0);
    clock += HOUR;
    const after = await client.fetch({ includeRegions: ['TX'], state: before.nextFetchState });
    t.deepEqual(
      after.keys.map((k) => k.exposureKey.toString('hex')),
      [fresh.key.toString('hex')],
    );
    t.is(after.keys[0]!.reportType, 1);
    t.true(after.keys[0]!.hasSymptomOnset);
    t.is(after.keys[0]!.daysSinceOnsetOfSymptoms, 1);
  } finally {
    client.close();
    await node.db.pool.query('delete from exposure_keys');
  }
});

test.serial(
  'paging is exact while keys arrive and are revised; an idle call with the final state is empty',
  async (t) => {
    const hour = () => truncate(new Date(clock), 3600);
    // 60 keys over 4 closed hours, many sharing a timestamp (ties are ordered by key bytes).
    const seeded = Array.from({ length: 60 }, (_, i) =>
      makeKey({ regions: ['NY'], reportType: 'likely', createdAt: new Date(hour().getTime() - (1 + (i % 4)) * HOUR) }),
    );
    await insertKeys(node.db.pool, seeded);
    const client = certs.client(address, 'hub');
    const primary: string[] = [];
    const revised: string[] = [];
    const added: string[] = [];
    try {
      let state: FederationFetchRequest['state'] = null;
      let calls = 0;
      for (;;) {
        const page = await client.fetch({ includeRegions: ['NY'], maxExposureKeys: 7, state });
        t.true(page.keys.length + page.revisedKeys.length <= 7);
        primary.push(...page.keys.map((k) => k.exposureKey.toString('hex')));
        revised.push(...page.revisedKeys.map((k) => `${k.exposureKey.toString('hex')}:${k.reportType}`));
        state = page.nextFetchState;
        calls += 1;
        if (calls === 3) {
          // New arrivals land in the open hour; a key already served and one not yet served are revised.
          const fresh = Array.from({ length: 10 }, () => makeKey({ regions: ['NY'], createdAt: hour() }));
          await insertKeys(node.db.pool, fresh);
          added.push(...fresh.map((k) => k.key.toString('hex')));
          const servedKey = Buffer.from(primary[0]!, 'hex');
          const unservedKey = seeded.map((k) => k.key).find((k) => !primary.includes(k.toString('hex')))!;
          await reviseKey(node.db.pool, servedKey, 'confirmed', hour());
          await reviseKey(node.db.pool, unservedKey, 'confirmed', hour());
          clock += HOUR;
        }
        if (!page.partialResponse) break;
        t.true(calls < 100);
      }
      const expected = [...seeded.map((k) => k.key.toString('hex')), ...added];
      t.is(primary.length, expected.length);
      t.deepEqual([...primary].sort(), [...expected].sort());
      t.is(revised.length, 2);
      t.true(revised.every((r) => r.endsWith(':1')));

      const idle = await client.fetch({ includeRegions: ['NY'], maxExposureKeys: 7, state });
      t.is(idle.keys.length + idle.revisedKeys.length, 0);
      t.false(idle.partialResponse);
    } finally {
      client.close();
      await node.db.pool.query('delete from exposure_keys');
    }
  },
);

test.serial('an internal fault is INTERNAL with an error id, never its own text', async (t) => {
  await node.db.pool.query('alter table exposure_keys rename column regions to regions_hidden');
  const client = certs.client(address, 'hub');
  try {
    const err = await t.throwsAsync(client.fetch({ includeRegions: ['CA'] }));
    t.is((err as FederationCallError).grpcCode, status.INTERNAL);
    t.regex(err?.message ?? '', /internal error \(id [0-9a-f-]{36}\)$/);
    t.notRegex(err?.message ?? '', /regions|column|exposure_keys/);
  } finally {
    client.close();
    await node.db.pool.query('alter table exposure_keys rename column regions_hidden to regions');
  }
});
