import { UNSEALED } from '../../core/secrets/secret-sealer';
import { mkdtemp, rm } from 'node:fs/promises';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ALL_REGIONS } from '../../core/keys/storage/region-predicate';
import { ExportConfigRepository } from '../../core/export/configs/export-config.repository';
import { verifyExportSignature, type DecodedKey } from '../../core/export/format/export-reader';
import { truncate } from '../../core/keys/intervals';
import { WireReportType } from '../../core/keys/report-type';
import { createSigningKey } from '../../core/signing/signing-keys';
import type { SigningKeyInfo } from '../../core/signing/signing-key.repository';
import { pullUpstream, type PullDeps } from '../../hub/sources/federation/pull-upstream';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { generateTestCerts, type TestCerts } from '../helpers/federation-certs';
import { storedExportRecords, type StoredExportRecords } from '../helpers/export-records';
import { connectHubToNode, keysAt, TestClock } from '../helpers/federation-harness';
import { hubPullDeps, runExportJobs } from '../helpers/hub-jobs';
import {
  dailyKeys,
  postPublish,
  publishBody,
  registerAuthorityAndApp,
  type TestAuthority,
} from '../helpers/publish-fixtures';
import { fetchServedExports, type ServedExport } from '../helpers/served-exports';
import { startTestHub, startTestNode } from '../helpers/test-servers';

/*
 * Issue 3, interop: a hub and three nodes in this process, each with its own database, federation over
 * real gRPC with mutual TLS. Keys go in through each node's real publish API and come out of the hub's
 * export over HTTP. One clock drives every server, stepped an hour at a time (TRUNCATE_WINDOW stays at its
 * production 1 h), so "closed hour" and "closed window" are exact; padding is off so file contents are exact.
 */

const clock = new TestClock();
// 01:10 UTC today: the scenario's four hours stay inside one UTC day, so per-day values (days since onset,
// the default symptom onset) are the same at every step whenever the test runs.
clock.ms = truncate(new Date(), 86400).getTime() + 70 * 60_000;
const HOUR = 3600_000;
/** The hour the test starts in: keys published now are stamped with it at their node. */
const H0 = truncate(clock.now(), 3600).getTime();

type TestNode = Awaited<ReturnType<typeof startTestNode>>;
type TestHub = Awaited<ReturnType<typeof startTestHub>>;

interface Site {
  name: string;
  region: string;
  app: string;
  node: TestNode;
  authority: TestAuthority;
  queryId: number;
}

let certs: TestCerts;
let blobDir: string;
let hub: TestHub;
let siteA: Site;
let siteB: Site;
let siteC: Site;
let deps: PullDeps;
let signingKey: SigningKeyInfo;

test.before(async () => {
  certs = await generateTestCerts(['node-a', 'node-b', 'node-c']);
  blobDir = await mkdtemp(path.join(tmpdir(), 'enfed-interop-'));
  // Nodes serve at most 2 keys per page, so every pull pages and follows the cursors.
  const nodeEnv = (name: string) => ({ ...certs.serverEnv(name), FEDERATION_MAX_PAGE_SIZE: '2' });
  const [a, b, c, h] = await Promise.all([
    startTestNode({ env: nodeEnv('node-a'), now: clock.now }),
    startTestNode({ env: nodeEnv('node-b'), now: clock.now }),
    startTestNode({ env: nodeEnv('node-c'), now: clock.now }),
    startTestHub({
      now: clock.now,
      env: {
        ...certs.serverEnv('hub'),
        // Not federation-in: its reconciling job fires at start-up and would race the pulls this test makes.
        ENFED_COMPONENTS: 'federation-out,export',
        BLOB_DIR: blobDir,
        EXPORT_MIN_WINDOW_AGE: '0',
        EXPORT_FILE_MIN_RECORDS: '0',
        EXPORT_FILE_PADDING_RANGE: '0',
        // Only the immediate first tick of these schedules happens during the test; the test runs the work.
        EXPORT_SCHEDULE_INTERVAL: '1h',
        EXPORT_WORKER_INTERVAL: '1h',
        FEDERATION_PULL_PAGE_SIZE: '3',
      },
    }),
  ]);
  hub = h;
  const site = async (name: string, region: string, node: TestNode): Promise<Site> => {
    const code = region.slice(3).toLowerCase();
    const app = `gov.${code}.exposure-notifications`;
    const authority = await registerAuthorityAndApp(node.db.orm, {
      app,
      iss: `health-authority-${code}`,
      aud: `enfed-${name}`,
      regions: [region],
      now: clock.now(),
    });
    const queryId = await connectHubToNode(hub, node, certs, { name, regions: [region] });
    return { name, region, app, node, authority, queryId };
  };
  siteA = await site('node-a', 'US-CA', a);
  siteB = await site('node-b', 'US-NY', b);
  siteC = await site('node-c', 'US-TX', c);

  signingKey = await createSigningKey(new SigningKeyRepository(hub.db.pool, UNSEALED), {
    keyId: '310',
    now: clock.now(),
  });
  const configs = new ExportConfigRepository(hub.db.pool);
  const config = {
    outputRegion: 'US',
    excludeRegions: [],
    periodSeconds: 3600,
    maxRecordsPerFile: 500_000,
    fromTimestamp: new Date(H0),
    thruTimestamp: null,
  };
  await configs.insert({
    ...config,
    root: 'all',
    inputRegions: [ALL_REGIONS],
    includeTravelers: true,
    onlyTravelers: false,
  });
  await configs.insert({ ...config, root: 'travelers', inputRegions: [], includeTravelers: true, onlyTravelers: true });

  deps = hubPullDeps(hub, clock);
});

test.after.always(async () => {
  deps?.clients.close();
  const servers = [siteA?.node, siteB?.node, siteC?.node, hub].filter((s) => s !== undefined);
  // destroy() also deletes each server's Redis prefix.
  await Promise.allSettled(servers.map((s) => s.destroy()));
  await certs?.destroy();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

/** Publishes through the node's HTTP API with a certificate from the site's health authority. */
async function publishAt(
  site: Site,
  keys: readonly PublishKeyInput[],
  options: { reportType?: string; traveler?: boolean; revisionToken?: string } = {},
): Promise<{ revisionToken: string; insertedExposures: number }> {
  const body = publishBody(site.authority, keys, clock.now(), {
    app: site.app,
    claims: { reportType: options.reportType ?? 'confirmed' },
    revisionToken: options.revisionToken,
    extra: options.traveler ? { traveler: true } : {},
  });
  const response = await postPublish(site.node.server.httpUrl, body);
  if (response.status !== 200)
    throw new Error(`publish at ${site.name}: ${response.status} ${JSON.stringify(response.json)}`);
  return response.json as { revisionToken: string; insertedExposures: number };
}

const hex = (key: PublishKeyInput) => Buffer.from(key.key, 'base64').toString('hex');
/** A key as it must come out of an export: bytes, interval, period. */
const published = (key: PublishKeyInput) => `${hex(key)}/${key.rollingStartNumber}/${key.rollingPeriod}`;
const decoded = (key: DecodedKey) =>
  `${key.keyData.toString('hex')}/${key.rollingStartIntervalNumber}/${key.rollingPeriod}`;
const sorted = (values: Iterable<string>) => [...values].sort();
const fileName = (root: string, startHour: number) =>
  `${root}/${(H0 + startHour * HOUR) / 1000}-${(H0 + (startHour + 1) * HOUR) / 1000}-00001.zip`;

// The keys of the scenario. Each site's keys start on distinct days (at most 3 per start interval).
const [a1, a2, shared] = dailyKeys(clock.now(), 3) as [PublishKeyInput, PublishKeyInput, PublishKeyInput];
const [revised] = dailyKeys(clock.now(), 1) as [PublishKeyInput];
const [b1, b2] = dailyKeys(clock.now(), 2) as [PublishKeyInput, PublishKeyInput];
const [c1] = dailyKeys(clock.now(), 1) as [PublishKeyInput];
const [traveler] = dailyKeys(clock.now(), 1) as [PublishKeyInput];
const firstWindowKeys = [a1, a2, shared, revised, b1, c1, traveler];
let revisionToken = '';

test.serial('hour 0: keys published at every node through the publish API', async (t) => {
  t.like(await publishAt(siteA, [a1, a2, shared]), { insertedExposures: 3 });
  const likely = await publishAt(siteA, [revised], { reportType: 'likely' });
  t.is(likely.insertedExposures, 1);
  revisionToken = likely.revisionToken;
  t.like(await publishAt(siteB, [b1]), { insertedExposures: 1 });
  t.like(await publishAt(siteC, [c1]), { insertedExposures: 1 });
  t.like(await publishAt(siteC, [traveler], { traveler: true }), { insertedExposures: 1 });
});

test.serial('hour 0: the current hour is still open, the hub gets nothing yet', async (t) => {
  for (const site of [siteA, siteB, siteC]) {
    t.like(await pullUpstream(deps, site.queryId), { status: 'done', counts: { received: 0 } }, site.name);
  }
});

test.serial('hour 1: the hub pulls every node over mTLS gRPC', async (t) => {
  clock.advanceHours(1);
  t.like(await pullUpstream(deps, siteA.queryId), {
    status: 'done',
    counts: { pages: 2, received: 4, inserted: 4, duplicates: 0, invalid: 0, revised: 0 },
  });
  t.like(await pullUpstream(deps, siteB.queryId), {
    status: 'done',
    counts: { received: 1, inserted: 1, duplicates: 0 },
  });
  t.like(await pullUpstream(deps, siteC.queryId), {
    status: 'done',
    counts: { received: 2, inserted: 2, duplicates: 0 },
  });

  const pooled = await keysAt(hub.db.pool);
  t.deepEqual(sorted(pooled.keys()), sorted(firstWindowKeys.map(hex)));
  t.deepEqual(pooled.get(hex(shared))?.regions, ['US-CA']);
  t.is(pooled.get(hex(shared))?.originQueryId, siteA.queryId, 'origin: the upstream it came from');
  t.is(pooled.get(hex(b1))?.originQueryId, siteB.queryId);
  t.like(pooled.get(hex(revised)), { reportType: 'likely', revisedReportType: null, localProvenance: true });
  for (const [key, row] of pooled)
    t.is(row.createdAt.getTime(), H0 + HOUR, `${key}: stamped with the hub's arrival hour`);
  const travelers = await hub.db.pool.query<{ key: Buffer }>('select key from exposure_keys where traveler');
  t.deepEqual(
    travelers.rows.map((r) => r.key.toString('hex')),
    [hex(traveler)],
  );
});

test.serial(
  'hour 1: likely → confirmed with the revision token at node A; node B gets a new key and the shared one',
  async (t) => {
    t.like(await publishAt(siteA, [revised], { reportType: 'confirmed', revisionToken }), { insertedExposures: 1 });
    // The same key bytes at a second node (another region), an hour after the first one had them.
    t.like(await publishAt(siteB, [b2, shared]), { insertedExposures: 2 });
    for (const site of [siteA, siteB]) {
      t.like(
        await pullUpstream(deps, site.queryId),
        { status: 'done', counts: { received: 0 } },
        `${site.name}: hour 1 is open`,
      );
    }
  },
);

test.serial('hour 2: the hub pulls the revision, the new key and the shared key', async (t) => {
  clock.advanceHours(1);
  t.like(await pullUpstream(deps, siteA.queryId), {
    status: 'done',
    counts: { received: 1, inserted: 0, revised: 1, duplicates: 0 },
  });
  t.like(await pullUpstream(deps, siteB.queryId), {
    status: 'done',
    counts: { received: 2, inserted: 1, duplicates: 1, invalid: 0, revised: 0 },
  });
  t.like(await pullUpstream(deps, siteC.queryId), { status: 'done', counts: { received: 0 } });
  const pooled = await keysAt(hub.db.pool);
  t.is(pooled.size, firstWindowKeys.length + 1);
  // Stored once: regions merged, first arrival's origin and arrival hour kept (so it is not exported again).
  t.like(pooled.get(hex(shared)), {
    regions: ['US-CA', 'US-NY'],
    originQueryId: siteA.queryId,
    createdAt: new Date(H0 + HOUR),
  });
  t.like(pooled.get(hex(revised)), { reportType: 'likely', revisedReportType: 'confirmed' });
  const revisedAt = await hub.db.pool.query<{ revised_at: Date }>(
    'select revised_at from exposure_keys where key = $1',
    [Buffer.from(revised.key, 'base64')],
  );
  t.is(revisedAt.rows[0]?.revised_at?.getTime(), H0 + 2 * HOUR, "revised in the hub's arrival hour of the revision");
});

test.serial('hour 2: the hub exports the closed hour 1', async (t) => {
  t.like(await runExportJobs(hub, clock.now), { created: 2, batches: 2, failed: 0 });
});

test.serial('hour 3: the hub exports the closed hour 2', async (t) => {
  clock.advanceHours(1);
  t.like(await runExportJobs(hub, clock.now), { created: 2, batches: 2, failed: 0 });
});

let all: ServedExport[] = [];

test.serial("the hub's index lists one file per closed window, each signed by the hub's key", async (t) => {
  all = await fetchServedExports(hub.server.httpUrl, 'all');
  t.deepEqual(
    all.map((f) => f.name),
    [fileName('all', 1), fileName('all', 2)],
  );
  for (const file of all) {
    t.deepEqual(file.entries.sort(), ['export.bin', 'export.sig'], file.name);
    t.is(file.signatures.length, 1, file.name);
    const [signature] = file.signatures;
    t.like(signature?.signatureInfo, {
      verificationKeyId: signingKey.keyId,
      verificationKeyVersion: signingKey.version,
    });
    t.true(
      verifyExportSignature(file.bin, signature!.signature, signingKey.publicKeyPem),
      `${file.name}: signature verifies`,
    );
    // One flipped bit in the signed bytes must break it (the check above can fail).
    const tampered = Buffer.from(file.bin);
    const last = tampered.length - 1;
    tampered.writeUInt8(tampered.readUInt8(last) ^ 1, last);
    t.false(verifyExportSignature(tampered, signature!.signature, signingKey.publicKeyPem));
    t.like(file.export, { region: 'US', batchNum: 1, batchSize: 1 });
  }
});

test.serial(
  'every published key is exactly once among the primary keys, and decodes back to what was published',
  async (t) => {
    const primaries = all.flatMap((f) => f.export.keys.map(decoded));
    t.is(primaries.length, new Set(primaries).size, 'no key twice');
    t.deepEqual(sorted(primaries), sorted([...firstWindowKeys, b2].map(published)));
    const [hour1, hour2] = all;
    t.deepEqual(sorted(hour1!.export.keys.map(decoded)), sorted(firstWindowKeys.map(published)));
    t.deepEqual(hour2!.export.keys.map(decoded), [published(b2)]);
    const typeOf = new Map(hour1!.export.keys.map((k) => [k.keyData.toString('hex'), k.reportType]));
    t.is(typeOf.get(hex(revised)), WireReportType.CONFIRMED_CLINICAL_DIAGNOSIS, 'first exported as likely');
    t.is(typeOf.get(hex(shared)), WireReportType.CONFIRMED_TEST);
    t.true(typeOf.has(hex(traveler)), 'the traveler key is in the all-regions file');
  },
);

test.serial('each exported key carries exactly the values its publishing node stored', async (t) => {
  const stored = new Map<string, StoredExportRecords>();
  for (const site of [siteA, siteB, siteC]) {
    for (const [key, row] of await storedExportRecords(site.node.db.pool)) {
      const other = stored.get(key);
      if (other) t.deepEqual(row, other, `${key}: published alike at two nodes`);
      stored.set(key, row);
    }
  }
  const [hour1, hour2] = all;
  for (const key of [...hour1!.export.keys, ...hour2!.export.keys]) {
    t.deepEqual(key, stored.get(key.keyData.toString('hex'))?.primary);
  }
  for (const key of hour2!.export.revisedKeys) {
    t.deepEqual(key, stored.get(key.keyData.toString('hex'))?.revised);
  }
  t.is(stored.get(hex(revised))?.primary.transmissionRiskLevel, 4, 'likely: transmission risk backfilled to 4');
  t.is(stored.get(hex(revised))?.revised?.transmissionRiskLevel, 2, 'confirmed: transmission risk backfilled to 2');
});

test.serial(
  'the revised key shows again under revised keys, as CONFIRMED_TEST, in the window of its revision',
  async (t) => {
    const [hour1, hour2] = all;
    t.deepEqual(hour1!.export.revisedKeys, []);
    t.deepEqual(hour2!.export.revisedKeys.map(decoded), [published(revised)]);
    t.is(hour2!.export.revisedKeys[0]?.reportType, WireReportType.CONFIRMED_TEST);
  },
);

test.serial("the hub's travelers-only export holds exactly the traveler key", async (t) => {
  const files = await fetchServedExports(hub.server.httpUrl, 'travelers');
  // Hour 2 brought no traveler key, and a window without real keys has no file (docs/export-format.md).
  t.deepEqual(
    files.map((f) => f.name),
    [fileName('travelers', 1)],
  );
  for (const file of files)
    t.true(verifyExportSignature(file.bin, file.signatures[0]!.signature, signingKey.publicKeyPem));
  t.deepEqual(
    files.flatMap((f) => f.export.keys.map(decoded)),
    [published(traveler)],
  );
  t.deepEqual(
    files.flatMap((f) => f.export.revisedKeys),
    [],
  );
});
