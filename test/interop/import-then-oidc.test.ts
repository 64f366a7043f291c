import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ExportConfigRepository } from '../../core/export/configs/export-config.repository';
import { verifyExportSignature, type DecodedKey } from '../../core/export/format/export-reader';
import { truncate } from '../../core/keys/intervals';
import { WireReportType } from '../../core/keys/report-type';
import { ALL_REGIONS } from '../../core/keys/storage/region-predicate';
import { UNSEALED } from '../../core/secrets/secret-sealer';
import { SigningKeyRepository, type SigningKeyInfo } from '../../core/signing/signing-key.repository';
import { createSigningKey } from '../../core/signing/signing-keys';
import { KeyPool } from '../../hub/pool/key-pool';
import { pullUpstream, type PullDeps } from '../../hub/sources/federation/pull-upstream';
import { ImportRepository } from '../../hub/sources/imports/imports.repository';
import { runImport, type ImportDeps } from '../../hub/sources/imports/run-import';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { enfedInProcess } from '../helpers/cli';
import { generateTestCerts, type TestCerts } from '../helpers/federation-certs';
import { keysAt, pullDeps, TestClock } from '../helpers/federation-harness';
import { runExportJobs } from '../helpers/hub-jobs';
import {
  dailyKeys,
  postPublish,
  publishBody,
  registerAuthorityAndApp,
  type TestAuthority,
} from '../helpers/publish-fixtures';
import { fetchServedExports, type ServedExport } from '../helpers/served-exports';
import { testLogger } from '../helpers/test-database';
import { startTestHub, startTestNode } from '../helpers/test-servers';

/*
 * Issue 9, interop across two kinds of source: node A publishes through its real publish API and exports signed
 * files over HTTP; hub 1 imports those files (the export-file import, not gRPC) and re-exports; hub 2 pulls hub 1
 * over federation-out's token port with an OIDC ID token it mints from its service-account key, which hub 1
 * verifies against hub 2's JWKS served over HTTPS. Each published key must come out of hub 2's signed export once.
 *
 * One clock drives every server, stepped an hour at a time so that "closed window" is exact. It follows the wall
 * clock at an offset that reaches 0 when hub 2 pulls: minted tokens carry wall-clock iat/exp and hub 1 checks them
 * against its own clock, so the pull must happen while the two agree.
 */

const HOUR = 3600_000;
const AUDIENCE = 'https://hub-1.example/federation';
const APP = 'gov.ca.exposure-notifications';

/** A clock at a settable offset from the wall clock (hours at a time). */
class OffsetClock extends TestClock {
  offsetMs = -3 * HOUR;
  override readonly now = () => new Date(Date.now() + this.offsetMs);
  override advanceHours(hours: number): void {
    this.offsetMs += hours * HOUR;
  }
}
const clock = new OffsetClock();
const START = clock.now();

type TestNode = Awaited<ReturnType<typeof startTestNode>>;
type TestHub = Awaited<ReturnType<typeof startTestHub>>;

let certs: TestCerts;
let dir: string;
let jwksServer: Server;
let jwksRequests = 0;
let issuer: string;
let nodeA: TestNode;
let hub1: TestHub;
let hub2: TestHub;
let authority: TestAuthority;
let hub2Signing: SigningKeyInfo;
let importId: number;
let upstreamId: number;
let pull: PullDeps;

const exportEnv = (blobDir: string) => ({
  BLOB_DIR: blobDir,
  EXPORT_MIN_WINDOW_AGE: '0',
  EXPORT_FILE_MIN_RECORDS: '0',
  EXPORT_FILE_PADDING_RANGE: '0',
  // Only the immediate first tick of these schedules happens during the test; the test runs the work.
  EXPORT_SCHEDULE_INTERVAL: '1h',
  EXPORT_WORKER_INTERVAL: '1h',
});

/** `enfed <args>` in this process against `server`'s database; fails the test on a non-zero exit. */
async function enfed(server: { db: { url: string } }, args: string[]): Promise<string> {
  const run = await enfedInProcess(args, {
    DATABASE_URL: server.db.url,
    LOG_LEVEL: 'silent',
    FEDERATION_TOKEN_AUDIENCE: AUDIENCE,
  });
  if (run.code !== 0) throw new Error(`enfed ${args.join(' ')}: ${run.code} ${run.stderr}`);
  return run.stdout;
}

async function exportConfig(server: TestNode | TestHub, root: string, outputRegion: string): Promise<void> {
  await new ExportConfigRepository(server.db.pool).insert({
    root,
    outputRegion,
    inputRegions: [ALL_REGIONS],
    excludeRegions: [],
    includeTravelers: true,
    onlyTravelers: false,
    periodSeconds: 3600,
    maxRecordsPerFile: 500_000,
    fromTimestamp: new Date(truncate(START, 3600).getTime() - HOUR),
    thruTimestamp: null,
  });
}

/** Hub 2's JWKS (what `enfed admin upstream token-jwks` printed) at https://127.0.0.1:<port>/jwks.json. */
async function serveJwks(body: string): Promise<string> {
  jwksServer = createServer(
    { cert: readFileSync(certs.certPath('partner')), key: readFileSync(certs.keyPath('partner')) },
    (req, res) => {
      if (req.url !== '/jwks.json') res.writeHead(404).end();
      else {
        jwksRequests += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }
    },
  );
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
}

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  dir = await mkdtemp(path.join(tmpdir(), 'enfed-import-oidc-'));
  [nodeA, hub1, hub2] = await Promise.all([
    startTestNode({ now: clock.now, env: { ENFED_COMPONENTS: 'publish,export', ...exportEnv(`${dir}/a`) } }),
    startTestHub({
      now: clock.now,
      env: {
        ...certs.serverEnv('hub'),
        // Not import nor federation-in: their schedules fire at start-up and would race the runs this test makes.
        ENFED_COMPONENTS: 'federation-out,export',
        GRPC_TOKEN_PORT: '0',
        FEDERATION_TOKEN_AUDIENCE: AUDIENCE,
        FEDERATION_JWKS_CA_PATH: certs.caPath,
        ...exportEnv(`${dir}/hub-1`),
      },
    }),
    startTestHub({ now: clock.now, env: { ENFED_COMPONENTS: 'export', ...exportEnv(`${dir}/hub-2`) } }),
  ]);
  authority = await registerAuthorityAndApp(nodeA.db.orm, {
    app: APP,
    iss: 'health-authority-ca',
    aud: 'enfed-node-a',
    regions: ['US-CA'],
    now: clock.now(),
  });
  const signing = (server: TestNode | TestHub, keyId: string) =>
    createSigningKey(new SigningKeyRepository(server.db.pool, UNSEALED), { keyId, now: clock.now() });
  const nodeSigning = await signing(nodeA, '310');
  await signing(hub1, '311');
  hub2Signing = await signing(hub2, '312');
  await exportConfig(nodeA, 'a', 'US-CA');
  await exportConfig(hub1, 'all', 'US');
  await exportConfig(hub2, 'all', 'US');

  // Hub 1 imports node A's files, trusting node A's public key (as an operator would from the CLI).
  const nodePublicKey = path.join(dir, 'node-a.pub.pem');
  await writeFile(nodePublicKey, nodeSigning.publicKeyPem);
  await enfed(hub1, [
    'admin', 'import', 'add', '--name', 'node-a',
    '--index-url', `${nodeA.server.httpUrl}/exports/a/index.txt`,
    '--export-root', `${nodeA.server.httpUrl}/exports/`,
    '--region', 'US-CA',
  ]); // prettier-ignore
  await enfed(hub1, [
    'admin', 'import', 'key', 'add', '--import', 'node-a',
    '--key-id', nodeSigning.keyId, '--key-version', nodeSigning.version, '--public-key', nodePublicKey,
    '--valid-from', new Date(START.getTime() - 24 * HOUR).toISOString(),
  ]); // prettier-ignore
  importId = (await new ImportRepository(hub1.db.pool).findByName('node-a'))!.id;

  // Hub 2's service-account key; hub 1 trusts tokens it signs through the JWKS hub 2 publishes over HTTPS.
  const tokenKey = path.join(dir, 'hub-2-token.key');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(tokenKey, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  issuer = await serveJwks(await enfed(hub2, ['admin', 'upstream', 'token-jwks', '--token-key', tokenKey]));
  await enfed(hub1, ['admin', 'token-issuer', 'add', '--issuer', issuer, '--jwks-url', `${issuer}/jwks.json`]);
  await enfed(hub1, [
    'admin', 'partner', 'add', '--name', 'hub-2', '--issuer', issuer, '--subject', 'hub-2', '--include', 'US-CA',
  ]); // prettier-ignore
  await enfed(hub2, [
    'admin', 'upstream', 'add', '--name', 'hub-1', '--address', hub1.server.addresses.grpcToken!,
    '--ca', certs.caPath, '--kind', 'partner', '--all-provenance', '--include', 'US-CA',
    '--token-key', tokenKey, '--token-issuer', issuer, '--token-subject', 'hub-2', '--token-audience', AUDIENCE,
  ]); // prettier-ignore
  const row = await hub2.db.pool.query<{ id: number }>(`select id from federation_in_queries where name = 'hub-1'`);
  upstreamId = row.rows[0]!.id;
  pull = pullDeps(hub2.db.pool, clock, {
    truncateWindowSeconds: hub2.config.TRUNCATE_WINDOW,
    keyPool: new KeyPool({ acceptSelfReport: false }),
  });
});

test.after.always(async () => {
  pull?.clients.close();
  jwksServer?.closeAllConnections();
  jwksServer?.close();
  await Promise.allSettled([nodeA, hub1, hub2].filter((s) => s !== undefined).map((s) => s.destroy()));
  await certs?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An import run at hub 1 as its import component runs it: on the servers' clock, with the hub's settings. */
function importDeps(): ImportDeps {
  const { config } = hub1;
  return {
    db: hub1.db.pool,
    keyPool: new KeyPool({ acceptSelfReport: config.IMPORT_ACCEPT_SELF_REPORT }),
    logger: testLogger(),
    now: clock.now,
    truncateWindowSeconds: config.TRUNCATE_WINDOW,
    pageSize: config.IMPORT_PAGE_SIZE,
    indexMaxBytes: config.IMPORT_INDEX_MAX_BYTES,
    limits: { maxBytes: config.IMPORT_FILE_MAX_BYTES, maxInflatedBytes: config.IMPORT_FILE_MAX_INFLATED_BYTES },
    downloadTimeoutSeconds: config.IMPORT_DOWNLOAD_TIMEOUT,
    backoffBaseSeconds: config.IMPORT_BACKOFF_BASE,
    backoffMaxSeconds: config.IMPORT_BACKOFF_MAX,
  };
}

async function publish(
  keys: readonly PublishKeyInput[],
  options: { reportType?: string; traveler?: boolean; revisionToken?: string } = {},
): Promise<{ revisionToken: string; insertedExposures: number }> {
  const body = publishBody(authority, keys, clock.now(), {
    app: APP,
    claims: { reportType: options.reportType ?? 'confirmed' },
    revisionToken: options.revisionToken,
    extra: options.traveler ? { traveler: true } : {},
  });
  const response = await postPublish(nodeA.server.httpUrl, body);
  if (response.status !== 200) throw new Error(`publish: ${response.status} ${JSON.stringify(response.json)}`);
  return response.json as { revisionToken: string; insertedExposures: number };
}

const hex = (key: PublishKeyInput) => Buffer.from(key.key, 'base64').toString('hex');
const published = (key: PublishKeyInput) => `${hex(key)}/${key.rollingStartNumber}/${key.rollingPeriod}`;
const decoded = (key: DecodedKey) =>
  `${key.keyData.toString('hex')}/${key.rollingStartIntervalNumber}/${key.rollingPeriod}`;
const sorted = (values: Iterable<string>) => [...values].sort();

const plain = dailyKeys(clock.now(), 3) as PublishKeyInput[];
const [revised] = dailyKeys(clock.now(), 1) as [PublishKeyInput];
const [traveler] = dailyKeys(clock.now(), 1) as [PublishKeyInput];
const everyKey = [...plain, revised, traveler];
let revisionToken = '';

test.serial('hour 0: node A takes keys through its publish API, one likely and one traveler', async (t) => {
  t.like(await publish(plain), { insertedExposures: 3 });
  const likely = await publish([revised], { reportType: 'likely' });
  t.is(likely.insertedExposures, 1);
  revisionToken = likely.revisionToken;
  t.like(await publish([traveler], { traveler: true }), { insertedExposures: 1 });
});

test.serial('hour 1: node A exports hour 0, revises likely → confirmed; hub 1 imports the file', async (t) => {
  clock.advanceHours(1);
  t.like(await runExportJobs(nodeA, clock.now), { failed: 0 });
  t.like(await publish([revised], { reportType: 'confirmed', revisionToken }), { insertedExposures: 1 });
  t.like(await runImport(importDeps(), importId), {
    status: 'done',
    counts: { inserted: everyKey.length, duplicates: 0, invalid: 0, revised: 0 },
  });
});

test.serial('hour 2: node A exports the revision; hub 1 imports it once, then exports hour 1', async (t) => {
  clock.advanceHours(1);
  t.like(await runExportJobs(nodeA, clock.now), { failed: 0 });
  t.like(await runImport(importDeps(), importId), { status: 'done', counts: { inserted: 0, revised: 1 } });
  t.like(await runExportJobs(hub1, clock.now), { failed: 0 });
  const pooled = await keysAt(hub1.db.pool);
  t.deepEqual(sorted(pooled.keys()), sorted(everyKey.map(hex)));
  t.like(pooled.get(hex(revised)), { reportType: 'likely', revisedReportType: 'confirmed', localProvenance: false });
});

test.serial('hour 3: hub 1 exports hour 2; hub 2 pulls hub 1 over the token port with a minted token', async (t) => {
  clock.advanceHours(1);
  t.like(await runExportJobs(hub1, clock.now), { failed: 0 });
  const outcome = await pullUpstream(pull, upstreamId);
  t.like(outcome, { status: 'done', counts: { inserted: everyKey.length, duplicates: 0, invalid: 0 } });
  t.true(jwksRequests >= 1, "hub 1 verified the token against hub 2's published keys");
  const pooled = await keysAt(hub2.db.pool);
  t.deepEqual(sorted(pooled.keys()), sorted(everyKey.map(hex)));
  t.is(pooled.get(hex(revised))?.revisedReportType, 'confirmed');
});

test.serial('a second round adds nothing: re-import from the CLI, node A re-exports, hub 2 re-pulls', async (t) => {
  t.like(await runExportJobs(nodeA, clock.now), { failed: 0 });
  const out = await enfed(hub1, ['admin', 'import', 'run', '--name', 'node-a']);
  t.regex(out, /inserted 0, duplicates 0, invalid 0, revised 0/);
  t.like(await pullUpstream(pull, upstreamId, { ignoreBackoff: true }), {
    status: 'done',
    counts: { inserted: 0, revised: 0 },
  });
  t.is((await keysAt(hub2.db.pool)).size, everyKey.length);
});

let files: ServedExport[] = [];

test.serial("hour 4: hub 2's export holds every key once, signed by hub 2's key", async (t) => {
  clock.advanceHours(1);
  t.like(await runExportJobs(hub2, clock.now), { failed: 0 });
  files = await fetchServedExports(hub2.server.httpUrl, 'all');
  t.true(files.length > 0);
  for (const file of files) {
    t.is(file.signatures.length, 1, file.name);
    const [signature] = file.signatures;
    t.like(signature?.signatureInfo, {
      verificationKeyId: hub2Signing.keyId,
      verificationKeyVersion: hub2Signing.version,
    });
    t.true(verifyExportSignature(file.bin, signature!.signature, hub2Signing.publicKeyPem), file.name);
  }
  const primaries = files.flatMap((f) => f.export.keys.map(decoded));
  t.is(primaries.length, new Set(primaries).size, 'no key twice');
  t.deepEqual(sorted(primaries), sorted(everyKey.map(published)));
});

test.serial('the revision is applied once: likely among the keys, confirmed once among the revised keys', async (t) => {
  const typeOf = new Map(files.flatMap((f) => f.export.keys).map((k) => [k.keyData.toString('hex'), k.reportType]));
  t.is(typeOf.get(hex(revised)), WireReportType.CONFIRMED_CLINICAL_DIAGNOSIS);
  const revisions = files.flatMap((f) => f.export.revisedKeys);
  t.deepEqual(revisions.map(decoded), [published(revised)]);
  t.is(revisions[0]?.reportType, WireReportType.CONFIRMED_TEST);
});
