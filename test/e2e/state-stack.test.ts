import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ExportConfigRepository } from '../../core/export/configs/export-config.repository';
import { decodeExportBin, verifyExportSignature } from '../../core/export/format/export-reader';
import { truncate } from '../../core/keys/intervals';
import { ALL_REGIONS } from '../../core/keys/storage/region-predicate';
import { UNSEALED } from '../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { createSigningKey } from '../../core/signing/signing-keys';
import { pullUpstream } from '../../hub/sources/federation/pull-upstream';
import { DeviceKeyRepository } from '../../node/device-api/keys/device-key.repository';
import { AuthorizedAppRepository } from '../../node/publish/apps/authorized-app.repository';
import { Phone, phoneDailyKeys, retrieveMac } from '../helpers/covid-alert-phone';
import { EnsApp, ensDailyKeys } from '../helpers/ens-app';
import { generateTestCerts, type TestCerts } from '../helpers/federation-certs';
import { connectHubToNode, TestClock } from '../helpers/federation-harness';
import { hubPullDeps, runExportJobs } from '../helpers/hub-jobs';
import { fetchServedExports, type ServedExport } from '../helpers/served-exports';
import { freshCode, RETRIEVE_HMAC_KEY, startStateNode } from '../helpers/state-node';
import { startTestHub } from '../helpers/test-servers';
import { readZipBuffer } from '../helpers/zip';

/*
 * Issue 10, end to end: one state's node serves a COVID Alert-style phone (new-key-claim, claim-key, NaCl upload)
 * and an ENS-style app (verify, certificate, publish) with the same one-time codes. Both kinds of keys reach the
 * node's export and, over mTLS federation, the hub's export, each exactly once. The clients are written from the
 * protocols (test/helpers), not from the server's code. One clock drives both servers, stepped by the hour.
 */

const clock = new TestClock();
clock.ms = truncate(new Date(), 86400).getTime() + 70 * 60_000;
const REGION = '302';
const APP = 'ca.covid-alert.ens';
const exportEnv = (blobDir: string) => ({
  BLOB_DIR: blobDir,
  EXPORT_MIN_WINDOW_AGE: '0',
  EXPORT_FILE_MIN_RECORDS: '0',
  EXPORT_FILE_PADDING_RANGE: '0',
  // Only the first tick of these schedules runs during the test; the test runs the work.
  EXPORT_SCHEDULE_INTERVAL: '1h',
  EXPORT_WORKER_INTERVAL: '1h',
});

let certs: TestCerts;
let nodeBlobs: string;
let hubBlobs: string;
let node: Awaited<ReturnType<typeof startStateNode>>;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let queryId: number;
let nodeSigningPem: string;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  nodeBlobs = await mkdtemp(path.join(tmpdir(), 'enfed-state-node-'));
  hubBlobs = await mkdtemp(path.join(tmpdir(), 'enfed-state-hub-'));
  [node, hub] = await Promise.all([
    startStateNode({
      now: clock.now,
      components: 'publish,federation-out,export,codes,covid-alert,device-api',
      env: { ...certs.serverEnv('node-a'), ...exportEnv(nodeBlobs) },
    }),
    startTestHub({
      now: clock.now,
      env: { ...certs.serverEnv('hub'), ENFED_COMPONENTS: 'federation-out,export', ...exportEnv(hubBlobs) },
    }),
  ]);
  const since = new Date(clock.ms - 3600_000);
  // The state's own health authority and its ENS app, as `enfed admin device-api key create` and `app add` make them.
  await new DeviceKeyRepository(node.db.pool, UNSEALED).create({
    iss: 'ca-ha',
    aud: 'ca-node',
    name: 'CA',
    now: since,
  });
  const authority = await node.db.pool.query<{ id: number }>("select id from health_authorities where iss = 'ca-ha'");
  await new AuthorizedAppRepository(node.db.orm.em.fork()).upsert({
    name: APP,
    allowedRegions: [REGION],
    allowedHealthAuthorityIds: [authority.rows[0]!.id],
    bypassVerification: false,
    bypassRevisionToken: false,
  });
  const config = {
    outputRegion: 'CA',
    excludeRegions: [],
    includeTravelers: true,
    onlyTravelers: false,
    periodSeconds: 3600,
    maxRecordsPerFile: 500_000,
    fromTimestamp: truncate(clock.now(), 3600),
    thruTimestamp: null,
  };
  nodeSigningPem = (
    await createSigningKey(new SigningKeyRepository(node.db.pool, UNSEALED), { keyId: '302', now: since })
  ).publicKeyPem;
  await new ExportConfigRepository(node.db.pool).insert({ ...config, root: 'ca', inputRegions: [REGION] });
  await createSigningKey(new SigningKeyRepository(hub.db.pool, UNSEALED), { keyId: '999', now: since });
  await new ExportConfigRepository(hub.db.pool).insert({ ...config, root: 'all', inputRegions: [ALL_REGIONS] });
  queryId = await connectHubToNode(hub, node, certs, { name: 'node-a', regions: [REGION] });
});

test.after.always(async () => {
  await Promise.allSettled([node?.destroy(), hub?.destroy()]);
  await certs?.destroy();
  for (const dir of [nodeBlobs, hubBlobs]) if (dir) await rm(dir, { recursive: true, force: true });
});

// 13 days: /retrieve leaves out keys that started 14 or more days before today, as the reference does.
const phoneKeys = phoneDailyKeys(clock.now(), 13);
const ensKeys = ensDailyKeys(clock.now(), 7);
const phoneHex = phoneKeys.map((k) => k.keyData!.toString('hex'));
const ensHex = ensKeys.map((k) => Buffer.from(k.key, 'base64').toString('hex'));

/** How often each key appears across the files (keys, not revised keys), with its wire report type. */
function occurrences(files: readonly ServedExport[]): Map<string, { count: number; reportType?: number }> {
  const seen = new Map<string, { count: number; reportType?: number }>();
  for (const file of files) {
    for (const key of file.export.keys) {
      const hex = key.keyData.toString('hex');
      seen.set(hex, { count: (seen.get(hex)?.count ?? 0) + 1, reportType: key.reportType });
    }
  }
  return seen;
}

test.serial('hour 0: a COVID Alert phone and an ENS app publish with one-time codes from the same node', async (t) => {
  const phone = new Phone(node.server.httpUrl);
  t.like(await phone.claim(await freshCode(node.server.httpUrl)), { status: 200 });
  const body = phone.uploadBody(phoneKeys, { timestampSeconds: Math.floor(clock.ms / 1000) });
  t.deepEqual(await phone.upload(body), { status: 200, error: 0 });
  // A second phone uploading a key the first one sent already: accepted, stored once.
  const twin = new Phone(node.server.httpUrl);
  t.like(await twin.claim(await freshCode(node.server.httpUrl)), { status: 200 });
  t.like(await twin.upload(twin.uploadBody(phoneKeys.slice(0, 1), { timestampSeconds: Math.floor(clock.ms / 1000) })), {
    status: 200,
  });

  const app = new EnsApp(node.server.httpUrl, APP);
  const likely = await freshCode(node.server.httpUrl, { testType: 'likely' });
  const { publish } = await app.publishWithCode(likely, ensKeys);
  t.is(publish.status, 200, JSON.stringify(publish.json));
  t.is(publish.json.insertedExposures, ensKeys.length);
});

test.serial("hour 1: the node's export has every key exactly once, with its report type", async (t) => {
  clock.advanceHours(1);
  await runExportJobs(node, clock.now);
  const files = await fetchServedExports(node.server.httpUrl, 'ca');
  t.true(files.length >= 1);
  for (const file of files) t.true(verifyExportSignature(file.bin, file.signatures[0]!.signature, nodeSigningPem));
  const seen = occurrences(files);
  t.is(seen.size, phoneHex.length + ensHex.length);
  for (const hex of phoneHex) t.like(seen.get(hex), { count: 1, reportType: 1 }, 'phone key: CONFIRMED_TEST');
  for (const hex of ensHex) t.like(seen.get(hex), { count: 1, reportType: 2 }, 'ENS key: CONFIRMED_CLINICAL_DIAGNOSIS');
});

test.serial('a COVID Alert phone downloads both kinds of keys from /retrieve', async (t) => {
  const day = String(Math.floor(clock.ms / 86_400_000)).padStart(5, '0');
  const mac = retrieveMac(RETRIEVE_HMAC_KEY, REGION, day, clock.now());
  const res = await fetch(`${node.server.httpUrl}/retrieve/${REGION}/${day}/${mac}`);
  t.is(res.status, 200);
  const bin = (await readZipBuffer(Buffer.from(await res.arrayBuffer()))).get('export.bin')!;
  const keys = new Set(decodeExportBin(bin).keys.map((k) => k.keyData.toString('hex')));
  for (const hex of [...phoneHex, ...ensHex]) t.true(keys.has(hex));
  t.is(keys.size, phoneHex.length + ensHex.length);
});

test.serial('the hub pulls the node over mTLS and its export has every key exactly once', async (t) => {
  const deps = hubPullDeps(hub, clock);
  try {
    clock.ms += 90_000; // past FEDERATION_CLOSE_GRACE
    t.like(await pullUpstream(deps, queryId), {
      status: 'done',
      counts: { received: phoneHex.length + ensHex.length, inserted: phoneHex.length + ensHex.length },
    });
    t.like(await pullUpstream(deps, queryId), { status: 'done', counts: { received: 0 } }, 'nothing twice');
  } finally {
    deps.clients.close();
  }
  clock.advanceHours(1);
  await runExportJobs(hub, clock.now);
  const seen = occurrences(await fetchServedExports(hub.server.httpUrl, 'all'));
  t.is(seen.size, phoneHex.length + ensHex.length);
  for (const hex of phoneHex) t.like(seen.get(hex), { count: 1, reportType: 1 });
  for (const hex of ensHex) t.like(seen.get(hex), { count: 1, reportType: 2 });
});
