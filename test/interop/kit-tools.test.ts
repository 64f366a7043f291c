import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import pg from 'pg';
import { startFederation, type RunningFederation } from '../../cli/demo/start-federation';
import { enfedInProcess } from '../helpers/cli';
import { freeFederationBasePort } from '../helpers/federation-kit';
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL, uniqueName } from '../helpers/test-database';
import type { GenerateStats } from '../../cli/generate/run-generate';
import { VECTORS } from '../helpers/vectors';

/*
 * Issue 12: `enfed probe`, `enfed generate` and `enfed conformance`. Probe against a running federation (startFederation, two nodes): by hand-given flags at a
 * node's own export, from the manifest through the hub, and three ways of failing (a wrong key, a timeout, a
 * health authority the node does not trust), each with exit 1.
 */

let federation: RunningFederation;
let dir: string;

test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enfed-probe-'));
  federation = await startFederation({
    regions: ['US-WA', 'US-OR'],
    dir,
    instance: uniqueName('pr').toLowerCase().slice(0, 30),
    basePort: await freeFederationBasePort(2),
    exportPeriodSeconds: 10,
    truncateWindowSeconds: 2,
    pullIntervalSeconds: 2,
    databaseUrl: databaseUrl('postgres'),
    redisUrl: TEST_REDIS_URL,
  });
});

test.after.always(async () => {
  await federation?.stop({ clean: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.serial(
  'probe passes at a node and through the hub, and fails with exit 1 on a wrong key, a timeout or a refused publish',
  async (t) => {
    t.timeout(480_000);
    const { manifest, manifestPath } = federation;
    const [wa, or] = manifest.nodes;
    const haKey = path.join(dir, 'ha.pem');
    const nodeKey = path.join(dir, 'node-wa.pem');
    await writeFile(haKey, wa!.healthAuthority.privateKeyPem);
    await writeFile(nodeKey, wa!.signingPublicKeyPem);
    const byHand = [
      'probe',
      '--publish',
      wa!.publishUrl,
      '--health-authority-key',
      haKey,
      '--health-authority-id',
      wa!.healthAuthority.healthAuthorityID,
      '--iss',
      wa!.healthAuthority.iss,
      '--aud',
      wa!.healthAuthority.aud,
      '--kid',
      wa!.healthAuthority.kid,
      '--poll',
      '1s',
    ];
    const [atNode, viaHub, wrongKey, timeout, refused] = await Promise.all([
      enfedInProcess(
        [
          ...byHand,
          '--export-index',
          wa!.exportIndexUrl,
          '--public-key',
          `310/v1=${nodeKey}`,
          '--prometheus',
          '--timeout',
          '240s',
        ],
        {},
      ),
      enfedInProcess(
        ['probe', '--manifest', manifestPath, '--region', 'US-OR', '--poll', '1s', '--timeout', '300s'],
        {},
      ),
      enfedInProcess(
        [
          'probe',
          '--manifest',
          manifestPath,
          '--watch',
          'node',
          '--public-key',
          new URL('test-export-signing.pub.pem', VECTORS).pathname,
          '--poll',
          '1s',
          '--timeout',
          '240s',
        ],
        {},
      ),
      enfedInProcess(
        [...byHand, '--export-index', or!.exportIndexUrl, '--public-key', nodeKey, '--timeout', '15s'],
        {},
      ),
      enfedInProcess(
        [
          ...byHand.map((a) => (a === wa!.healthAuthority.iss ? 'someone-else' : a)),
          '--export-index',
          wa!.exportIndexUrl,
          '--public-key',
          nodeKey,
        ],
        {},
      ),
    ]);

    t.is(atNode.code, 0, atNode.stdout + atNode.stderr);
    t.regex(atNode.stdout, /^enfed_probe_success 1$/m);
    for (const stage of ['publish', 'export', 'verify']) {
      t.regex(atNode.stdout, new RegExp(`^enfed_probe_stage_seconds\\{stage="${stage}"\\} \\d+\\.\\d{3}$`, 'm'));
    }

    t.is(viaHub.code, 0, viaHub.stdout + viaHub.stderr);
    t.regex(viaHub.stdout, /^ok {3}publish .* 2 keys accepted at .*\/v1\/publish$/m);
    t.regex(viaHub.stdout, new RegExp(`^ok {3}export .* keys found in ${manifest.hub.exportBaseUrl}all/`, 'm'));
    t.regex(viaHub.stdout, /^ok {3}verify .* verifies$/m);
    t.regex(viaHub.stdout, /^probe OK in /m);

    t.is(wrongKey.code, 1);
    t.regex(wrongKey.stdout, /^FAIL verify .* does not verify over export.bin/m);
    t.regex(wrongKey.stderr, /probe failed at verify/);

    t.is(timeout.code, 1);
    t.regex(timeout.stdout, /^FAIL export .* timed out after 15 s/m);
    t.regex(timeout.stdout, /^skip verify$/m);

    t.is(refused.code, 1);
    t.regex(refused.stdout, /^FAIL publish .* HTTP 4\d\d/m);
    t.regex(refused.stdout, /^skip export$/m);
  },
);

async function nodeCounts(
  database: string,
): Promise<{ keys: number; travelers: number; revised: number; revoked: number }> {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const result = await client.query(
      `select count(*)::int as keys, (count(*) filter (where traveler))::int as travelers,
         (count(*) filter (where revised_report_type is not null))::int as revised,
         (count(*) filter (where revised_report_type = 'negative'))::int as revoked from exposure_keys`,
    );
    return result.rows[0];
  } finally {
    await client.end();
  }
}

test.serial(
  'generate publishes synthetic diagnoses with travelers, same-day keys and revisions; failures exit 1',
  async (t) => {
    t.timeout(240_000);
    const { manifest, manifestPath } = federation;
    const or = manifest.nodes.find((n) => n.region === 'US-OR')!;
    const before = await nodeCounts(or.database);
    const run = await enfedInProcess(
      [
        'generate',
        '--manifest',
        manifestPath,
        '--regions',
        'US-OR',
        '--diagnoses',
        '8',
        '--travelers',
        '0.5',
        '--likely',
        '1',
        '--same-day',
        '0.5',
        '--days',
        '3',
        '--revise-after',
        '1s',
        '--json',
      ],
      {},
    );
    t.is(run.code, 0, run.stdout + run.stderr);
    const [result] = JSON.parse(run.stdout) as Array<{ label: string; stats: GenerateStats }>;
    t.is(result!.label, 'US-OR');
    const stats = result!.stats;
    t.like(stats, { diagnoses: 8, likely: 8, revisedToConfirmed: 4, revoked: 4, failures: 0 });
    t.is(stats.keys, 8 * 3 + stats.sameDay);
    const after = await nodeCounts(or.database);
    t.is(after.keys - before.keys, stats.keys, 'every generated key is stored');
    t.is(after.revised - before.revised, stats.keys, 'every likely key was revised');
    t.true(after.revoked - before.revoked >= 4 * 3, 'half the diagnoses revoked');
    t.is(after.travelers - before.travelers > 0, stats.travelers > 0);

    const human = await enfedInProcess(['generate', '--manifest', manifestPath, '--diagnoses', '2', '--days', '1'], {});
    t.is(human.code, 0, human.stderr);
    t.regex(human.stdout, /^US-WA: 2 diagnoses, \d+ keys .* 0 failed; /m);
    t.regex(human.stdout, /^US-OR: 2 diagnoses, /m);

    const haKey = `${federation.manifestPath}.ha.pem`;
    await writeFile(haKey, or.healthAuthority.privateKeyPem);
    const refused = await enfedInProcess(
      [
        'generate',
        '--publish',
        or.publishUrl,
        '--health-authority-key',
        haKey,
        '--health-authority-id',
        or.healthAuthority.healthAuthorityID,
        '--iss',
        'not-the-authority',
        '--aud',
        or.healthAuthority.aud,
        '--diagnoses',
        '2',
      ],
      {},
    );
    t.is(refused.code, 1);
    t.regex(refused.stdout, /0 diagnoses, 0 keys .* 2 failed/);
    t.regex(refused.stdout, /- publish: HTTP 401 health_authority_verification_certificate_invalid/);
    t.regex(refused.stderr, /generate: 2 publish request\(s\) failed/);
  },
);

test.serial(
  'conformance passes against enfed itself: publish, export and federation checks, human and JUnit XML',
  async (t) => {
    t.timeout(240_000);
    const junit = `${federation.manifestPath}.junit.xml`;
    const run = await enfedInProcess(
      ['conformance', '--manifest', federation.manifestPath, '--region', 'US-WA', '--junit', junit],
      {},
    );
    t.is(run.code, 0, run.stdout + run.stderr);
    t.notRegex(run.stdout, /^FAIL/m);
    for (const id of [
      'publish.valid',
      'publish.cert-alg-none',
      'publish.revision-with-token',
      'export.files-verify',
      'federation.mtls-required',
      'federation.paging',
    ]) {
      t.regex(run.stdout, new RegExp(`^pass  ${id.replace('.', '\\.')} `, 'm'), id);
    }
    t.regex(run.stdout, /^\d+ checks: \d+ passed, 0 failed, 0 skipped$/m);
    const xml = await readFile(junit, 'utf8');
    t.regex(xml, /<testsuites name="enfed conformance" tests="\d+" failures="0">/);
    t.regex(xml, /<testsuite name="federation" tests="4" failures="0" skipped="0"/);

    const wrongKey = await enfedInProcess(
      [
        'conformance',
        '--export-index',
        federation.manifest.hub.exportIndexUrl,
        '--public-key',
        new URL('test-export-signing.pub.pem', VECTORS).pathname,
      ],
      {},
    );
    t.is(wrongKey.code, 1);
    t.regex(wrongKey.stdout, /^FAIL {2}export\.files-verify/m);
    t.regex(wrongKey.stderr, /conformance: 1 check\(s\) failed/);
  },
);
