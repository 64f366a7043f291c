import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { startFederation, type RunningFederation } from '../../cli/demo/start-federation';
import { enfedInProcess } from '../helpers/cli';
import { freeFederationBasePort } from '../helpers/federation-kit';
import { databaseUrl, TEST_REDIS_URL, uniqueName } from '../helpers/test-database';
import { VECTORS } from '../helpers/vectors';

/*
 * Issue 12: `enfed probe` against a running federation (startFederation, two nodes): by hand-given flags at a
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

test('probe passes at a node and through the hub, and fails with exit 1 on a wrong key, a timeout or a refused publish', async (t) => {
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
    enfedInProcess(['probe', '--manifest', manifestPath, '--region', 'US-OR', '--poll', '1s', '--timeout', '300s'], {}),
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
    enfedInProcess([...byHand, '--export-index', or!.exportIndexUrl, '--public-key', nodeKey, '--timeout', '15s'], {}),
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
});
