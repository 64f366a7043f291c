import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { startTestHub } from '../../helpers/test-servers';
import { ago, NOW, NY_ERROR, seedHubStatus } from './status-seed';

type Hub = Awaited<ReturnType<typeof startTestHub>>;
let hub: Hub;
let browser: Browser;
let certs: TestCerts;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test.before(async () => {
  certs = await generateTestCerts([]);
  [hub, browser] = await Promise.all([
    // Only the status component: federation-in would otherwise pull the seeded (unreachable) upstreams. The
    // TLS settings give the status a server certificate to report, though federation-out is not started.
    startTestHub({ now: () => NOW, env: { ENFED_COMPONENTS: 'status', ...certs.serverEnv('hub') } }),
    chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
  await seedHubStatus(hub.db.pool);
});

test.after.always(async () => {
  await browser?.close();
  await hub?.destroy();
  await certs?.destroy();
});

test('GET /status/api reports each upstream, pooled keys per region and the latest exports', async (t) => {
  const response = await fetch(`${hub.server.httpUrl}/status/api`);
  t.is(response.status, 200);
  const body = (await response.json()) as {
    generatedAt: string;
    upstreams: Record<string, unknown>[];
    keys: unknown;
    exports: {
      batches: { root: string; status: string; startAt: string; files: { filename: string; keyCount: number }[] }[];
    };
  };
  t.is(body.generatedAt, NOW.toISOString());
  t.deepEqual(
    body.upstreams.map((u) => u.name),
    ['node-ca', 'node-ny', 'node-tx', 'node-wa'],
  );
  const [ca, ny, tx, wa] = body.upstreams;
  t.like(ca, {
    state: 'ok',
    kind: 'node',
    address: 'node-ca.internal:50051',
    includeRegions: ['CA'],
    lastPull: {
      startedAt: ago(60),
      finishedAt: ago(58),
      outcome: 'ok',
      error: null,
      pages: 3,
      received: 1200,
      inserted: 1000,
      duplicates: 150,
      invalid: 50,
      revised: 2,
      durationMs: 2000,
    },
    lastSuccessAt: ago(58),
    lagSeconds: 58,
    nextRunAt: ago(-240),
    nextRunInSeconds: 240,
    consecutiveFailures: 0,
    runningSince: null,
  });
  t.like(ny, {
    state: 'failing',
    lastPull: { startedAt: ago(120), outcome: 'error', error: NY_ERROR, received: 0, durationMs: 350 },
    lastSuccessAt: ago(1799),
    lagSeconds: 1799,
    // Backoff (next_attempt_at) wins over last start + interval.
    nextRunAt: ago(-300),
    nextRunInSeconds: 300,
    consecutiveFailures: 3,
  });
  t.like(tx, {
    kind: 'partner',
    state: 'pending',
    lastPull: null,
    runningSince: ago(10),
    lagSeconds: null,
    nextRunInSeconds: 50,
  });
  // An hour since the last success with a 1-minute interval: stale, and the next run is overdue.
  t.like(wa, {
    state: 'stale',
    lastPull: { outcome: 'ok' },
    lagSeconds: 3599,
    nextRunAt: ago(3540),
    nextRunInSeconds: 0,
  });

  t.deepEqual(body.keys, {
    total: 6,
    byRegion: [
      { region: 'CA', keys: 4 },
      { region: 'NY', keys: 3 },
    ],
  });

  t.deepEqual(
    body.exports.batches.map((b) => [b.root, b.status, b.startAt, b.files.map((f) => [f.filename, f.keyCount])]),
    [
      ['hub/all', 'open', ago(3600), []],
      ['hub/ca', 'complete', ago(7200), [['hub/ca/1763805600-1763809200-00001.zip', 4]]],
      [
        'hub/all',
        'complete',
        ago(7200),
        [
          ['hub/all/1763805600-1763809200-00001.zip', 1000],
          ['hub/all/1763805600-1763809200-00002.zip', 234],
        ],
      ],
    ],
  );
});

test('the status page shows an operator every upstream, the failing one with its error, keys and exports', async (t) => {
  const page = await browser.newPage();
  try {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${hub.server.httpUrl}/status`);
    t.is(response?.status(), 200);
    t.is(await page.title(), 'enfed hub status');
    t.deepEqual(requested, [`${hub.server.httpUrl}/status`], 'the page loads nothing else');

    const ca = page.locator('#upstreams').getByRole('row', { name: /node-ca/ });
    t.regex(await ca.innerText(), /\bok\b/);
    t.regex(await ca.innerText(), /1,200\s+1,000\s+150\s+50\s+2\s+2\.0 s\s+58 s\s+in 4 min/);

    const ny = page.locator('#upstreams').getByRole('row', { name: /node-ny/ });
    t.regex(await ny.innerText(), /failing/);
    const error = ny.locator('.error');
    t.true(await error.isVisible());
    // The upstream's error text is shown as text, markup and all; it never becomes an element.
    t.is(await error.innerText(), NY_ERROR);
    t.is(await page.locator('script').count(), 0);
    t.regex(await ny.innerText(), /29 min 59 s\s+in 5 min\s+3$/);

    const tx = page.locator('#upstreams').getByRole('row', { name: /node-tx/ });
    t.regex(await tx.innerText(), /pending/);
    t.regex(await tx.innerText(), /partner · node-tx\.internal:50051/);
    t.regex(await tx.innerText(), /pulling since 2026-11-22 11:59:50 UTC/);
    t.regex(await tx.innerText(), /no successful pull/);
    t.regex(
      await page
        .locator('#upstreams')
        .getByRole('row', { name: /node-wa/ })
        .innerText(),
      /stale[\s\S]*59 min 59 s\s+due now/,
    );

    t.regex(await page.getByRole('row', { name: /^CA/ }).innerText(), /^CA\s+4$/);
    t.regex(await page.getByRole('row', { name: /^NY/ }).innerText(), /^NY\s+3$/);
    t.regex(await page.getByRole('row', { name: /All keys/ }).innerText(), /6$/);

    const batches = page.locator('#batches tbody tr');
    t.is(await batches.count(), 3);
    t.regex(
      await batches.nth(0).innerText(),
      /hub\/all\s+US\s+2026-11-22 11:00:00 UTC – 2026-11-22 12:00:00 UTC\s+open\s+0\s+0/,
    );
    t.regex(await batches.nth(2).innerText(), /hub\/all\s+US\s+.*complete\s+2\s+1,234/);
    const file = page.getByRole('row', { name: /hub\/all\/1763805600-1763809200-00002\.zip/ });
    t.regex(await file.innerText(), /hub\/all\s+234\s+4/);
    t.is(await page.locator('#files tbody tr').count(), 3);
  } finally {
    await page.close();
  }
});

test('the hub exports upstream lag and consecutive failures as gauges on /metrics', async (t) => {
  const text = await (await fetch(`${hub.server.httpUrl}/metrics`)).text();
  t.regex(text, /^enfed_federation_upstream_lag_seconds\{upstream="node-ca"\} 58$/m);
  t.regex(text, /^enfed_federation_upstream_lag_seconds\{upstream="node-ny"\} 1799$/m);
  t.notRegex(text, /^enfed_federation_upstream_lag_seconds\{upstream="node-tx"\}/m, 'no lag before a first success');
  t.regex(text, /^enfed_federation_upstream_consecutive_failures\{upstream="node-ny"\} 3$/m);
  t.regex(text, /^enfed_federation_upstream_consecutive_failures\{upstream="node-tx"\} 0$/m);
});

const HOURS_CA = [...new Array<number>(22).fill(0), 1000, 0];

test('GET /status/api carries keys per hour, the export schedule, expiries and partners', async (t) => {
  const { history } = (await (await fetch(`${hub.server.httpUrl}/status/api`)).json()) as {
    history: {
      keysPerHour: { name: string; kind: string; since: string; hourly: number[] }[];
      exports: Record<string, unknown>[];
      expiries: { name: string; kind: string; expiresAt: string | null; note: string | null }[];
      partners: Record<string, unknown>[];
    };
  };
  const hours = Object.fromEntries(history.keysPerHour.map((h) => [`${h.kind}:${h.name}`, h.hourly]));
  t.deepEqual(Object.keys(hours).sort(), [
    'federation:node-ca',
    'federation:node-ny',
    'federation:node-tx',
    'federation:node-wa',
    'import:import-de',
  ]);
  t.deepEqual(hours['federation:node-ca'], HOURS_CA);
  t.is(hours['federation:node-ny']?.[22], 10);
  t.is(hours['import:import-de']?.[21], 40);
  t.is(history.keysPerHour[0]?.since, ago(23 * 3600));

  t.deepEqual(history.exports, [
    { root: 'hub/all', periodSeconds: 3600, lastBatchEnd: ago(3600), lastFileAt: ago(3500), nextBatchEnd: ago(0) },
    { root: 'hub/ca', periodSeconds: 3600, lastBatchEnd: ago(3600), lastFileAt: ago(3500), nextBatchEnd: ago(0) },
  ]);

  const server = history.expiries.find((x) => x.kind === 'server certificate');
  t.is(server?.name, 'federation-out');
  t.true(Date.parse(server?.expiresAt ?? '') > NOW.getTime(), 'the dev certificate is still valid');
  t.like(
    history.expiries.find((x) => x.name === 'node-ca'),
    { kind: 'upstream certificate', expiresAt: null, note: 'unreadable' },
  );
  t.like(
    history.expiries.find((x) => x.name === '310'),
    { kind: 'signing key', expiresAt: '2099-01-01T00:00:00.000Z' },
  );
  t.like(
    history.expiries.find((x) => x.name === '311'),
    { kind: 'signing key', expiresAt: null, note: 'no end' },
  );

  t.deepEqual(history.partners, [
    {
      name: 'partner-eu',
      includeRegions: ['CA', 'NY'],
      excludeRegions: ['TX'],
      enabled: true,
      identity: 'certificate',
      lastFetchAt: null,
    },
    {
      name: 'partner-old',
      includeRegions: ['CA'],
      excludeRegions: [],
      enabled: false,
      identity: 'certificate',
      lastFetchAt: null,
    },
  ]);
});

test('at 1280×800 the page fits the width and shows the history sections', async (t) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${hub.server.httpUrl}/status`);
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    const widths = await page.evaluate(
      "[...document.querySelectorAll('table')].map((e) => e.closest('section').id + ':' + e.scrollWidth).join(' ')",
    );
    t.true(scrollWidth <= 1280, `scrollWidth ${scrollWidth} ${String(widths)}`);
    for (const id of ['history', 'schedule', 'expiry', 'partners']) {
      await page.locator(`#${id}`).scrollIntoViewIfNeeded();
      t.true(await page.locator(`#${id}`).isVisible(), id);
    }
    const ca = page.locator('tr[data-history="node-ca"]');
    t.true(await ca.locator('svg.spark').isVisible());
    t.is(await ca.locator('rect').count(), 24);
    t.regex(await ca.innerText(), /1,000\s+0$/);
    t.regex(await page.locator('tr[data-history="import-de"]').innerText(), /import[\s\S]*40\s+0$/);
    t.regex(
      await page.locator('tr[data-export="hub/all"]').innerText(),
      /1 h\s+2026-11-22 11:00:00 UTC \(1 h ago\)[\s\S]*2026-11-22 12:00:00 UTC/,
    );
    t.regex(await page.locator('tr[data-expiry="node-ca"]').innerText(), /upstream certificate\s+unreadable/);
    t.regex(await page.locator('tr[data-expiry="311"]').innerText(), /signing key\s+no end/);
    t.regex(
      await page.locator('tr[data-partner="partner-eu"]').innerText(),
      /CA, NY \(not TX\)[\s\S]*last fetch not recorded/,
    );
    t.regex(await page.locator('tr[data-partner="partner-old"]').innerText(), /disabled/);
  } finally {
    await page.close();
  }
});
