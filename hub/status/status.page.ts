import type { ExportBatchStatus, HubStatus, UpstreamStatus } from './hub-status';
import { html, SafeHtml } from './html';
import { importsSection } from './import-status';
import { HISTORY_STYLE, historySections } from './status-history.page';
import { formatCount, formatDuration, formatSeconds, formatTime } from './status.format';

/** Seconds between automatic reloads of the page (a meta refresh: the page runs no script). */
export const STATUS_REFRESH_SECONDS = 30;

// A trusted constant, kept out of escaping: <style> content is raw text, entities would not be decoded.
const STYLE = new SafeHtml(`
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; background: #fff; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
  .muted { color: #57606a; }
  table { border-collapse: collapse; margin-bottom: .5rem; }
  th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .state { font-weight: 600; padding: 0 .35rem; border-radius: 3px; }
  .state-ok { background: #dafbe1; color: #116329; } .state-failing { background: #ffebe9; color: #a40e26; }
  .state-stale { background: #fff8c5; color: #7d4e00; } .state-pending { background: #eaeef2; color: #57606a; }
  .error { color: #a40e26; white-space: pre-wrap; max-width: 32rem; overflow-wrap: anywhere; }
  code { font-size: 12px; white-space: nowrap; } time, .nowrap { white-space: nowrap; }
  th[scope='row'] code { white-space: normal; overflow-wrap: anywhere; } /* long addresses must not widen the page */
${HISTORY_STYLE}`);

function when(date: Date | null, now: Date): SafeHtml {
  if (date === null) return html`<span class="muted">never</span>`;
  const ago = formatSeconds((now.getTime() - date.getTime()) / 1000);
  return html`<time datetime="${date.toISOString()}">${formatTime(date)}</time>
    <span class="muted">(${ago} ago)</span>`;
}

function upstreamRow(u: UpstreamStatus, now: Date): SafeHtml {
  const pull = u.lastPull;
  const regions =
    u.includeRegions.join(', ') + (u.excludeRegions.length ? ` (not ${u.excludeRegions.join(', ')})` : '');
  const outcome = !pull
    ? html`<span class="muted">no pull yet</span>`
    : pull.outcome === 'ok'
      ? html`ok`
      : html`error
          <div class="error">${pull.error}</div>`;
  const running = u.runningSince ? html`<div class="muted">pulling since ${formatTime(u.runningSince)}</div>` : null;
  const abandoned =
    u.abandonedRuns > 0 ? html`<div class="error">${u.abandonedRuns} run(s) abandoned in the last 24 h</div>` : null;
  const next =
    u.nextRunInSeconds === null
      ? 'at the next schedule'
      : u.nextRunInSeconds === 0
        ? 'due now'
        : `in ${formatSeconds(u.nextRunInSeconds)}`;
  const count = (n: number | undefined) => (n === undefined ? '' : formatCount(n));
  return html`<tr data-upstream="${u.name}">
    <th scope="row">
      ${u.name}
      <div class="muted">${u.kind} · <code>${u.address}</code></div>
      <div class="muted">${regions}</div>
    </th>
    <td><span class="state state-${u.state}">${u.state}</span></td>
    <td>${pull ? when(pull.startedAt, now) : html`<span class="muted">never</span>`}${running}</td>
    <td>${outcome}${abandoned}</td>
    <td class="n">${count(pull?.pages)}</td>
    <td class="n">${count(pull?.received)}</td>
    <td class="n">${count(pull?.inserted)}</td>
    <td class="n">${count(pull?.duplicates)}</td>
    <td class="n">${count(pull?.invalid)}</td>
    <td class="n">${count(pull?.revised)}</td>
    <td class="n">${pull?.durationMs != null ? formatDuration(pull.durationMs) : ''}</td>
    <td>
      ${u.lagSeconds === null ? html`<span class="muted">no successful pull</span>` : formatSeconds(u.lagSeconds)}
    </td>
    <td class="nowrap">${next}</td>
    <td class="n">${u.consecutiveFailures}</td>
  </tr>`;
}

function batchRows(b: ExportBatchStatus): SafeHtml {
  const keys = b.files.reduce((sum, f) => sum + f.keyCount, 0);
  return html`<tr data-batch="${b.id}">
    <td><code>${b.root}</code></td>
    <td>${b.outputRegion}</td>
    <td>${formatTime(b.startAt)} – ${formatTime(b.endAt)}</td>
    <td>${b.status}</td>
    <td class="n">${b.files.length}</td>
    <td class="n">${formatCount(keys)}</td>
  </tr>`;
}

function fileRows(b: ExportBatchStatus): SafeHtml[] {
  return b.files.map(
    (f) =>
      html`<tr data-file="${f.filename}">
        <td><code>${f.filename}</code></td>
        <td><code>${b.root}</code></td>
        <td class="n">${formatCount(f.keyCount)}</td>
        <td class="n">${formatCount(f.revisedCount)}</td>
        <td>${formatTime(f.createdAt)}</td>
      </tr>`,
  );
}

/** The operator status page: self-contained HTML (inline CSS, no script, no external assets). */
export function renderStatusPage(status: HubStatus): string {
  const now = status.generatedAt;
  const { upstreams, keys, exports } = status;
  const failing = upstreams.filter((u) => u.state === 'failing').length;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content="${STATUS_REFRESH_SECONDS}" />
        <title>enfed hub status</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <h1>enfed hub status</h1>
        <p class="muted">
          As of ${formatTime(now)} · ${upstreams.length} upstreams, ${failing} failing · reloads every
          ${STATUS_REFRESH_SECONDS} s · JSON: <a href="/status/api">/status/api</a>
        </p>

        <section id="upstreams">
          <h2>Upstreams</h2>
          ${upstreams.length === 0
            ? html`<p class="muted">No upstreams configured.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Upstream</th>
                    <th scope="col">State</th>
                    <th scope="col">Last pull</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Pages</th>
                    <th scope="col">Received</th>
                    <th scope="col">Inserted</th>
                    <th scope="col">Duplicates</th>
                    <th scope="col">Invalid</th>
                    <th scope="col">Revised</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Lag</th>
                    <th scope="col">Next run</th>
                    <th scope="col">Consecutive failures</th>
                  </tr>
                </thead>
                <tbody>
                  ${upstreams.map((u) => upstreamRow(u, now))}
                </tbody>
              </table>`}
        </section>

        ${historySections(status.history, now)} ${importsSection(status.imports)}

        <section id="keys">
          <h2>Pooled keys by region</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col">Keys</th>
              </tr>
            </thead>
            <tbody>
              ${keys.byRegion.map(
                (r) =>
                  html`<tr data-region="${r.region}">
                    <th scope="row">${r.region}</th>
                    <td class="n">${formatCount(r.keys)}</td>
                  </tr>`,
              )}
              <tr data-region="total">
                <th scope="row">All keys</th>
                <td class="n">${formatCount(keys.total)}</td>
              </tr>
            </tbody>
          </table>
          <p class="muted">A key shared with several regions counts once in each region.</p>
        </section>

        <section id="batches">
          <h2>Latest export batches</h2>
          ${exports.batches.length === 0
            ? html`<p class="muted">No export batches yet.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Config root</th>
                    <th scope="col">Region</th>
                    <th scope="col">Window</th>
                    <th scope="col">Status</th>
                    <th scope="col">Files</th>
                    <th scope="col">Keys</th>
                  </tr>
                </thead>
                <tbody>
                  ${exports.batches.map(batchRows)}
                </tbody>
              </table>`}
        </section>

        <section id="files">
          <h2>Files of these batches</h2>
          ${exports.batches.every((b) => b.files.length === 0)
            ? html`<p class="muted">No export files yet.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Config root</th>
                    <th scope="col">Keys</th>
                    <th scope="col">Revised keys</th>
                    <th scope="col">Written</th>
                  </tr>
                </thead>
                <tbody>
                  ${exports.batches.flatMap(fileRows)}
                </tbody>
              </table>`}
        </section>
      </body>
    </html> `;
  return page.value;
}
