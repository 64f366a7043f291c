import { html, type SafeHtml } from './html';
import type { Expiry, ExportSchedule, PartnerStatus, StatusHistory, UpstreamHistory } from './status-history';
import { formatCount, formatSeconds, formatTime } from './status.format';

/** CSS of the history sections (added to the page's one inline style); tighter tables so the page fits 1280 px. */
export const HISTORY_STYLE = `
  body { margin: 1rem; } table { font-size: 13px; } th, td { padding: .25rem .4rem; } thead th { font-size: 12px; }
  .spark { vertical-align: middle; } .spark rect { fill: #0969da; }
  .grid { display: flex; flex-wrap: wrap; gap: 0 2rem; } .grid > section { min-width: 0; }
`;

const BAR = 5;
const HEIGHT = 24;

/** An inline SVG bar chart of hourly figures, oldest first; its title lists the figures. */
export function sparkline(hourly: number[]): SafeHtml {
  const max = Math.max(1, ...hourly);
  const bars = hourly.map((n, i) => {
    const h = n === 0 ? 0 : Math.max(1, Math.round((n / max) * HEIGHT));
    return html`<rect x="${i * BAR}" y="${HEIGHT - h}" width="${BAR - 1}" height="${h}" />`;
  });
  return html`<svg
    class="spark"
    role="img"
    width="${hourly.length * BAR}"
    height="${HEIGHT}"
    viewBox="0 0 ${hourly.length * BAR} ${HEIGHT}"
    aria-label="keys per hour: ${hourly.join(' ')}"
  >
    <title>keys per hour, oldest first: ${hourly.join(' ')}</title>
    ${bars}
  </svg>`;
}

function historyRow(u: UpstreamHistory): SafeHtml {
  const total = u.hourly.reduce((a, b) => a + b, 0);
  return html`<tr data-history="${u.name}">
    <th scope="row">${u.name} <span class="muted">${u.kind}</span></th>
    <td>${sparkline(u.hourly)}</td>
    <td class="n">${formatCount(total)}</td>
    <td class="n">${formatCount(u.hourly[u.hourly.length - 1] ?? 0)}</td>
  </tr>`;
}

function relative(at: Date | null, now: Date): SafeHtml {
  if (at === null) return html`<span class="muted">none yet</span>`;
  const s = (at.getTime() - now.getTime()) / 1000;
  const rel = s >= 0 ? `in ${formatSeconds(s)}` : `${formatSeconds(-s)} ago`;
  return html`<time datetime="${at.toISOString()}">${formatTime(at)}</time> <span class="muted">(${rel})</span>`;
}

function exportRow(e: ExportSchedule, now: Date): SafeHtml {
  return html`<tr data-export="${e.root}">
    <th scope="row"><code>${e.root}</code></th>
    <td class="n">${formatSeconds(e.periodSeconds)}</td>
    <td>${relative(e.lastBatchEnd, now)}</td>
    <td>${relative(e.lastFileAt, now)}</td>
    <td>${relative(e.nextBatchEnd, now)}</td>
  </tr>`;
}

function expiryRow(x: Expiry, now: Date): SafeHtml {
  const soon = x.expiresAt !== null && x.expiresAt.getTime() - now.getTime() < 14 * 86400_000;
  return html`<tr data-expiry="${x.name}">
    <th scope="row">${x.name}</th>
    <td>${x.kind}</td>
    <td class="${soon ? 'error' : ''}">
      ${x.expiresAt === null ? html`<span class="muted">${x.note}</span>` : relative(x.expiresAt, now)}
    </td>
  </tr>`;
}

function partnerRow(p: PartnerStatus): SafeHtml {
  const regions =
    p.includeRegions.join(', ') + (p.excludeRegions.length ? ` (not ${p.excludeRegions.join(', ')})` : '');
  return html`<tr data-partner="${p.name}">
    <th scope="row">${p.name}</th>
    <td>${regions}</td>
    <td>${p.identity}</td>
    <td>${p.enabled ? 'enabled' : 'disabled'}</td>
    <td><span class="muted">last fetch not recorded</span></td>
  </tr>`;
}

function table(head: string[], rows: SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table>
    <thead>
      <tr>
        ${head.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** Keys per hour per upstream, export schedule, expiries and partners: the history half of the page. */
export function historySections(history: StatusHistory, now: Date): SafeHtml {
  return html`<section id="history">
      <h2>Keys inserted per hour, last 24 h</h2>
      ${table(
        ['Upstream', 'Per hour (oldest left)', '24 h', 'This hour'],
        history.keysPerHour.map(historyRow),
        'No upstreams or imports configured.',
      )}
    </section>
    <section id="schedule">
      <h2>Exports: last and next</h2>
      ${table(
        ['Config root', 'Period', 'Last batch end', 'Last file', 'Next batch end'],
        history.exports.map((e) => exportRow(e, now)),
        'No active export configs.',
      )}
    </section>
    <div class="grid">
      <section id="expiry">
        <h2>Certificates and signing keys</h2>
        ${table(
          ['Name', 'Kind', 'Valid until'],
          history.expiries.map((x) => expiryRow(x, now)),
          'No certificates or signing keys.',
        )}
      </section>
      <section id="partners">
        <h2>Partners pulling from the hub</h2>
        ${table(
          ['Partner', 'Regions', 'Identity', 'State', 'Last fetch'],
          history.partners.map(partnerRow),
          'No partners authorized.',
        )}
      </section>
    </div>`;
}
