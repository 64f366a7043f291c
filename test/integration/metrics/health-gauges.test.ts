import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { UpstreamQueryRepository } from '../../../hub/sources/federation/upstream-query.repository';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { startTcpProxy } from '../../helpers/tcp-proxy';
import { TEST_REDIS_URL } from '../../helpers/test-database';
import { startTestHub, startTestNode } from '../../helpers/test-servers';

/** The value of one sample line of Prometheus text (`name{labels} value`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).replace('+Inf', 'Infinity'));
}
const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
const expiryOf = (path: string) => Date.parse(new X509Certificate(readFileSync(path)).validTo) / 1000;

let certs: TestCerts;
test.before(async () => {
  certs = await generateTestCerts(['node-a']);
});
test.after.always(async () => {
  await certs?.destroy();
});

test('the hub shows dependency, export freshness, signing-key and certificate gauges on /metrics', async (t) => {
  const hub = await startTestHub({ env: { ...certs.serverEnv('hub') } });
  try {
    const pool = hub.db.pool;
    const config = await pool.query<{ id: number }>(
      `insert into export_configs (root, output_region, input_regions, period_seconds, max_records_per_file, from_timestamp)
       values ('all', 'US', '{US-WA}', 86400, 750000, now()) returning id`,
    );
    const configId = config.rows[0]?.id;
    const batch = await pool.query<{ id: number }>(
      `insert into export_batches (config_id, start_at, end_at, status)
       values ($1, '2026-11-28T00:00:00Z', '2026-11-29T00:00:00Z', 'complete') returning id`,
      [configId],
    );
    await pool.query(
      `insert into export_files (batch_id, config_id, filename, file_number, key_count, revised_count, created_at)
       values ($1, $2, 'all/1.zip', 1, 10, 0, '2026-11-29T01:00:00Z')`,
      [batch.rows[0]?.id, configId],
    );
    // Key 310 is being rotated: version 1 ends, version 2 takes over with no end. Key 311 ends for good.
    await pool.query(
      `insert into signing_keys (key_id, version, private_key_sealed, public_key_pem, active_from, active_until) values
       ('310', 'v1', 'x', 'x', '2026-01-01Z', '2026-12-01Z'),
       ('310', 'v2', 'x', 'x', '2026-11-30Z', null),
       ('311', 'v1', 'x', 'x', '2026-01-01Z', '2026-12-24T00:00:00Z'),
       ('309', 'v1', 'x', 'x', '2025-01-01Z', '2025-06-01Z')`,
    );
    await new UpstreamQueryRepository(pool).add({
      name: 'wa',
      address: '127.0.0.1:1',
      serverName: null,
      caCertPath: certs.caPath,
      clientCertPath: certs.certPath('hub'),
      clientKeyPath: certs.keyPath('hub'),
      includeRegions: ['US-WA'],
      excludeRegions: [],
      onlyLocalProvenance: true,
      onlyTravelers: false,
      intervalSeconds: 3600,
      upstreamKind: 'node',
    });

    const text = await scrape(hub.server.httpUrl);
    t.is(sample(text, 'enfed_dependency_up{dependency="postgres"}'), 1);
    t.is(sample(text, 'enfed_dependency_up{dependency="redis"}'), 1);
    t.is(sample(text, 'enfed_export_last_batch_end_timestamp_seconds{root="all"}'), Date.parse('2026-11-29Z') / 1000);
    t.is(sample(text, 'enfed_export_last_file_timestamp_seconds{root="all"}'), Date.parse('2026-11-29T01:00Z') / 1000);
    t.is(sample(text, 'enfed_export_period_seconds{root="all"}'), 86400);
    t.is(sample(text, 'enfed_signing_key_valid_until_timestamp_seconds{key_id="310"}'), Infinity);
    t.is(
      sample(text, 'enfed_signing_key_valid_until_timestamp_seconds{key_id="311"}'),
      Date.parse('2026-12-24Z') / 1000,
    );
    t.is(sample(text, 'enfed_signing_key_valid_until_timestamp_seconds{key_id="309"}'), undefined, 'long retired');
    t.is(sample(text, 'enfed_tls_server_certificate_expiry_timestamp_seconds'), expiryOf(certs.certPath('hub')));
    t.is(
      sample(text, 'enfed_federation_upstream_certificate_expiry_timestamp_seconds{upstream="wa"}'),
      expiryOf(certs.certPath('hub')),
    );
  } finally {
    await hub.destroy();
  }
});

test('enfed_dependency_up drops to 0 while Redis is unreachable and comes back', async (t) => {
  const redisHost = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy(`${redisHost.hostname}:${redisHost.port || 6379}`);
  const redisUrl = new URL(TEST_REDIS_URL);
  redisUrl.hostname = '127.0.0.1';
  redisUrl.port = String(proxy.port);
  const node = await startTestNode({ env: { REDIS_URL: redisUrl.toString() } });
  try {
    t.is(sample(await scrape(node.server.httpUrl), 'enfed_dependency_up{dependency="redis"}'), 1);
    await proxy.cut();
    const down = await scrape(node.server.httpUrl);
    t.is(sample(down, 'enfed_dependency_up{dependency="redis"}'), 0);
    t.is(sample(down, 'enfed_dependency_up{dependency="postgres"}'), 1);
    await proxy.resume();
    let up: number | undefined;
    for (let i = 0; i < 50 && up !== 1; i++) {
      up = sample(await scrape(node.server.httpUrl), 'enfed_dependency_up{dependency="redis"}');
      if (up !== 1) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    t.is(up, 1);
    // Stopping while BullMQ's own connections still reconnect would leave their timers behind: wait for them.
    let ready: string | undefined;
    for (let i = 0; i < 100 && ready !== 'ok'; i++) {
      ready = ((await (await fetch(`${node.server.httpUrl}/readyz`)).json()) as { status: string }).status;
      if (ready !== 'ok') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    t.is(ready, 'ok');
  } finally {
    await proxy.resume();
    await node.destroy();
    await proxy.close();
  }
});
