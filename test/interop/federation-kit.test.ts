import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { pastDailyKeys, publishBody } from '../../cli/demo/dev-health-authority';
import { startFederation } from '../../cli/demo/start-federation';
import { verificationKey } from '../../core/export/verify/verification-keys';
import { verifyExports } from '../../core/export/verify/verify-exports';
import { processesOf, waitFor } from '../helpers/demo';
import { existingDatabases, freeFederationBasePort } from '../helpers/federation-kit';
import { fetchServedExports } from '../helpers/served-exports';
import { databaseUrl, TEST_REDIS_URL, uniqueName } from '../helpers/test-database';

/*
 * Issue 12: the programmatic API of the interop kit. A hub and five nodes as real processes, started from a
 * test suite with startFederation(); keys published at two nodes come out of the hub's export, which
 * `verifyExports` (the code of `enfed verify`) accepts with the hub's public key; stop() leaves nothing behind.
 */

const REGIONS = ['US-WA', 'US-OR', 'US-CA', 'US-ID', 'DE-BY'];

test('startFederation: five nodes and a hub, keys flow to the hub export, which verifies; stop cleans up', async (t) => {
  t.timeout(600_000);
  const dir = await mkdtemp(path.join(tmpdir(), 'enfed-federation-kit-'));
  const instance = uniqueName('fk').toLowerCase().slice(0, 30);
  const federation = await startFederation({
    regions: REGIONS,
    dir,
    instance,
    basePort: await freeFederationBasePort(REGIONS.length),
    exportPeriodSeconds: 10,
    truncateWindowSeconds: 2,
    pullIntervalSeconds: 2,
    databaseUrl: databaseUrl('postgres'),
    redisUrl: TEST_REDIS_URL,
  });
  const { manifest } = federation;
  try {
    t.deepEqual(
      manifest.nodes.map((n) => [n.region, n.name]),
      [
        ['US-WA', 'node-wa'],
        ['US-OR', 'node-or'],
        ['US-CA', 'node-ca'],
        ['US-ID', 'node-id'],
        ['DE-BY', 'node-de-by'],
      ],
    );
    const servers = [manifest.hub, ...manifest.nodes];
    t.is(new Set(servers.flatMap((s) => [s.httpPort, s.grpcPort])).size, 12, 'every port distinct');
    t.deepEqual(
      await existingDatabases(servers.map((s) => s.database)),
      servers.map((s) => s.database).sort(),
      'one database per server',
    );
    for (const s of servers) await access(s.certPath);
    await access(manifest.caCertPath);
    t.is(federation.pids.length, 6);

    const published = [manifest.nodes[0]!, manifest.nodes[4]!].map((node) => ({
      node,
      keys: pastDailyKeys(new Date(), 2, 3),
    }));
    for (const { node, keys } of published) {
      const response = await fetch(node.publishUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(publishBody(node.healthAuthority, keys)),
      });
      t.is(response.status, 200, await response.clone().text());
    }
    const wanted = new Set(published.flatMap((p) => p.keys.map((k) => Buffer.from(k.key, 'base64').toString('hex'))));
    const hubBase = `http://127.0.0.1:${manifest.hub.httpPort}`;
    await waitFor('the published keys in the hub export', 240_000, async () => {
      const files = await fetchServedExports(hubBase, 'all');
      const found = files
        .flatMap((f) => f.export.keys.map((k) => k.keyData.toString('hex')))
        .filter((h) => wanted.has(h));
      return new Set(found).size === wanted.size ? true : undefined;
    });

    const hubKey = verificationKey(manifest.hub.signingPublicKeyPem, 'hub', {
      keyId: manifest.hub.verificationKeyId,
      keyVersion: manifest.hub.verificationKeyVersion,
    });
    const report = await verifyExports([manifest.hub.exportIndexUrl], [hubKey]);
    t.true(report.ok, JSON.stringify(report.files.filter((f) => !f.ok)));
    t.deepEqual(report.summary.regions, ['ALL'], 'the hub exports under ALL when not every region is a US state');
    t.true(report.summary.keys >= wanted.size);
  } finally {
    await federation.stop({ clean: true });
    await rm(dir, { recursive: true, force: true });
  }
  t.deepEqual(await processesOf(instance), [], 'no server process is left');
  t.deepEqual(
    await existingDatabases([manifest.hub, ...manifest.nodes].map((s) => s.database)),
    [],
    'databases dropped',
  );
});
