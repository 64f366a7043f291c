import type pg from 'pg';
import { html, type SafeHtml } from './html';
import { formatCount, formatDuration, formatTime } from './status.format';

/** `pending`: no run has finished yet; `failing`: the last run (or one of its files) failed; `ok` otherwise. */
export type ImportState = 'pending' | 'ok' | 'failing';

/** One import of export files on the status page (docs/imports.md). */
export interface ImportStatus {
  name: string;
  indexUrl: string;
  region: string;
  enabled: boolean;
  state: ImportState;
  lastRun: {
    startedAt: Date;
    finishedAt: Date | null;
    error: string | null;
    files: number;
    failedFiles: number;
    received: number;
    inserted: number;
    duplicates: number;
    invalid: number;
    durationMs: number | null;
  } | null;
  files: { done: number; failed: number; pending: number };
  /** The latest failed files with their recorded error (at most five). */
  failedFiles: { fileName: string; error: string | null; attempts: number; nextAttemptAt: Date | null }[];
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
}

interface Row {
  id: number;
  name: string;
  index_url: string;
  region: string;
  enabled: boolean;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  files: number | null;
  failed_files: number | null;
  received: number | null;
  inserted: number | null;
  duplicates: number | null;
  invalid: number | null;
  duration_ms: number | null;
  done: number;
  failed: number;
  pending: number;
}

const IMPORTS_SQL = `
  select i.id, i.name, i.index_url, i.region, i.enabled, i.consecutive_failures, i.next_attempt_at,
         r.started_at, r.finished_at, r.error, r.files, r.failed_files, r.received, r.inserted, r.duplicates,
         r.invalid, r.duration_ms,
         (select count(*)::int from import_files f where f.import_id = i.id and f.state = 'done') as done,
         (select count(*)::int from import_files f where f.import_id = i.id and f.state = 'failed') as failed,
         (select count(*)::int from import_files f where f.import_id = i.id and f.state in ('pending', 'importing'))
           as pending
    from imports i
    left join lateral (
      select * from import_runs r where r.import_id = i.id and r.finished_at is not null
       order by r.started_at desc, r.id desc limit 1
    ) r on true
   order by i.name`;

/** Every import with its latest finished run, its ledger counts and its latest failed files. */
export async function loadImportStatus(pool: pg.Pool): Promise<ImportStatus[]> {
  const rows = (await pool.query<Row>(IMPORTS_SQL)).rows;
  const failed = await pool.query<{
    import_id: number;
    file_name: string;
    error: string | null;
    attempts: number;
    next_attempt_at: Date | null;
  }>(
    `select import_id, file_name, error, attempts, next_attempt_at from (
       select f.*, row_number() over (partition by import_id order by updated_at desc, id desc) as n
         from import_files f where state = 'failed') x
      where n <= 5 order by import_id, n`,
  );
  return rows.map((r) => ({
    name: r.name,
    indexUrl: r.index_url,
    region: r.region,
    enabled: r.enabled,
    state: r.started_at === null ? 'pending' : r.error !== null || r.consecutive_failures > 0 ? 'failing' : 'ok',
    lastRun:
      r.started_at === null
        ? null
        : {
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            error: r.error,
            files: r.files ?? 0,
            failedFiles: r.failed_files ?? 0,
            received: r.received ?? 0,
            inserted: r.inserted ?? 0,
            duplicates: r.duplicates ?? 0,
            invalid: r.invalid ?? 0,
            durationMs: r.duration_ms,
          },
    files: { done: r.done, failed: r.failed, pending: r.pending },
    failedFiles: failed.rows
      .filter((f) => f.import_id === r.id)
      .map((f) => ({ fileName: f.file_name, error: f.error, attempts: f.attempts, nextAttemptAt: f.next_attempt_at })),
    consecutiveFailures: r.consecutive_failures,
    nextAttemptAt: r.next_attempt_at,
  }));
}

function importRow(i: ImportStatus): SafeHtml {
  const run = i.lastRun;
  const state = i.enabled ? i.state : 'pending';
  const failures = i.failedFiles.map(
    (f) =>
      html`<div class="error">
        ${f.fileName}: ${f.error ?? ''} (attempt
        ${f.attempts}${f.nextAttemptAt ? `, retry ${formatTime(f.nextAttemptAt)}` : ', not retried'})
      </div>`,
  );
  return html`<tr data-import="${i.name}">
    <th scope="row">
      ${i.name}${i.enabled ? '' : html` <span class="muted">(disabled)</span>`}
      <div class="muted"><code>${i.indexUrl}</code> · ${i.region}</div>
    </th>
    <td><span class="state state-${state}">${state}</span></td>
    <td>${run ? formatTime(run.startedAt) : html`<span class="muted">never</span>`}</td>
    <td>${run === null ? '' : run.error === null ? 'ok' : html`<div class="error">${run.error}</div>`}${failures}</td>
    <td class="n">${run ? formatCount(run.files) : ''}</td>
    <td class="n">${run ? formatCount(run.inserted) : ''}</td>
    <td class="n">${run ? formatCount(run.duplicates) : ''}</td>
    <td class="n">${run ? formatCount(run.invalid) : ''}</td>
    <td class="n">${run?.durationMs != null ? formatDuration(run.durationMs) : ''}</td>
    <td class="n">${formatCount(i.files.done)} / ${formatCount(i.files.failed)} / ${formatCount(i.files.pending)}</td>
    <td class="nowrap">${i.nextAttemptAt ? formatTime(i.nextAttemptAt) : '-'}</td>
  </tr>`;
}

/** The status page's section on imports of export files. */
export function importsSection(imports: readonly ImportStatus[]): SafeHtml {
  return html`<section id="imports">
    <h2>Imports of export files</h2>
    ${imports.length === 0
      ? html`<p class="muted">No imports configured.</p>`
      : html`<table>
          <thead>
            <tr>
              <th scope="col">Import</th>
              <th scope="col">State</th>
              <th scope="col">Last run</th>
              <th scope="col">Outcome</th>
              <th scope="col">Files</th>
              <th scope="col">Inserted</th>
              <th scope="col">Duplicates</th>
              <th scope="col">Invalid</th>
              <th scope="col">Duration</th>
              <th scope="col">Done / failed / pending</th>
              <th scope="col">Index backoff until</th>
            </tr>
          </thead>
          <tbody>
            ${imports.map(importRow)}
          </tbody>
        </table>`}
  </section>`;
}
