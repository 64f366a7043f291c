import test from 'ava';
import { escapeHtml, html } from '../../hub/status/html';
import { formatDuration, formatSeconds } from '../../hub/status/status.format';
import { sparkline } from '../../hub/status/status-history.page';
import { renderStatusPage } from '../../hub/status/status.page';

const SECONDS: [number, string][] = [
  [0, '0 s'],
  [59.4, '59 s'],
  [60, '1 min'],
  [185, '3 min 5 s'],
  [7260, '2 h 1 min'],
  [7205, '2 h'],
  [3 * 86400 + 4 * 3600 + 59, '3 d 4 h'],
  [-5, '0 s'],
];
for (const [input, expected] of SECONDS) {
  test(`formatSeconds(${input}) is "${expected}"`, (t) => t.is(formatSeconds(input), expected));
}

test('formatDuration switches from ms to s at one second', (t) => {
  t.is(formatDuration(999), '999 ms');
  t.is(formatDuration(2449), '2.4 s');
});

test('html escapes interpolated text and attributes but keeps nested html', (t) => {
  const name = `"><img src=x onerror=alert(1)>&'`;
  const inner = html`<b>${name}</b>`;
  t.is(
    html`<td title="${name}">${inner}${[inner]}${null}${7}</td>`.value,
    `<td title="${escapeHtml(name)}"><b>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;</b><b>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;</b>7</td>`,
  );
});

test('an empty hub renders a page that says there is nothing yet', (t) => {
  const page = renderStatusPage({
    generatedAt: new Date('2026-11-22T12:00:00Z'),
    upstreams: [],
    imports: [],
    keys: { total: 0, byRegion: [] },
    exports: { batches: [] },
    history: { keysPerHour: [], exports: [], expiries: [], partners: [] },
  });
  t.regex(page, /^<!doctype html>/);
  t.true(page.includes('No upstreams configured.'));
  t.true(page.includes('No export batches yet.'));
  t.true(page.includes('No partners authorized.'));
  t.true(page.includes('No active export configs.'));
  t.true(page.includes('As of 2026-11-22 12:00:00 UTC'));
  t.false(/<script|<link|src=/.test(page));
});

test('the sparkline draws one bar per hour, scaled to the busiest hour, and lists the figures', (t) => {
  const svg = sparkline([0, 5, 10]).value;
  t.is(svg.match(/<rect /g)?.length, 3);
  t.true(svg.includes('x="5" y="12" width="4" height="12"'));
  t.true(svg.includes('x="10" y="0" width="4" height="24"'));
  t.true(svg.includes('x="0" y="24" width="4" height="0"'));
  t.true(svg.includes('oldest first: 0 5 10'));
  t.false(svg.includes('<script'));
});
