import type { RunCounts } from '../sources/source-run.repository';
import type { ImportStatus } from './import-status';
import type { StatusHistory } from './status-history';
import type { StatusRepository, UpstreamRow } from './status.repository';

/** How many export batches the status shows (files: those of these batches). */
export const STATUS_BATCH_LIMIT = 20;

/** An upstream is stale when its last successful pull is older than this many pull intervals. */
export const STALE_AFTER_INTERVALS = 3;

/**
 * `pending`: no pull has finished yet; `failing`: the last pull failed; `stale`: pulls succeed but not
 * recently enough; `ok`: the last pull succeeded within the expected time.
 */
export type UpstreamState = 'pending' | 'ok' | 'failing' | 'stale';

/** The latest finished pull of one upstream, with the counters its run recorded. */
export interface LastPull extends RunCounts {
  startedAt: Date;
  finishedAt: Date | null;
  outcome: 'ok' | 'error';
  /** The error text the federation-in job stored for a failed pull. */
  error: string | null;
  durationMs: number | null;
}

export interface UpstreamStatus {
  id: number;
  name: string;
  /** `node` (one of ours) or `partner` (another hub). */
  kind: string;
  address: string;
  includeRegions: string[];
  excludeRegions: string[];
  intervalSeconds: number;
  state: UpstreamState;
  lastPull: LastPull | null;
  /** Start of a pull still in progress (newer than `lastPull`), if any. */
  runningSince: Date | null;
  lastSuccessAt: Date | null;
  /** now − last successful pull, in seconds; null when no pull ever succeeded. */
  lagSeconds: number | null;
  consecutiveFailures: number;
  /** When the next pull is expected: the later of last start + interval and the backoff's next attempt. */
  nextRunAt: Date | null;
  /** Seconds until `nextRunAt`, 0 when due or overdue; null when unknown (no pull yet). */
  nextRunInSeconds: number | null;
  /** Pulls of the last 24 h whose process stopped before they finished (killed, crashed). */
  abandonedRuns: number;
}

export interface ExportFileStatus {
  filename: string;
  fileNumber: number;
  keyCount: number;
  revisedCount: number;
  createdAt: Date;
}

export interface ExportBatchStatus {
  id: number;
  root: string;
  outputRegion: string;
  startAt: Date;
  endAt: Date;
  status: string;
  files: ExportFileStatus[];
}

/** Everything the operator status page and `GET /status/api` show. */
export interface HubStatus {
  generatedAt: Date;
  upstreams: UpstreamStatus[];
  /** Imports of other servers' export files (docs/imports.md). */
  imports: ImportStatus[];
  keys: { total: number; byRegion: { region: string; keys: number }[] };
  exports: { batches: ExportBatchStatus[] };
  /** Keys per hour per upstream, last and next export, expiries and partners (status-history.ts). */
  history: StatusHistory;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

function toUpstream(row: UpstreamRow, now: Date): UpstreamStatus {
  const lastPull: LastPull | null =
    row.run_started_at === null
      ? null
      : {
          startedAt: row.run_started_at,
          finishedAt: row.run_finished_at,
          outcome: row.error === null ? 'ok' : 'error',
          error: row.error,
          pages: row.pages ?? 0,
          received: row.received ?? 0,
          inserted: row.inserted ?? 0,
          duplicates: row.duplicates ?? 0,
          invalid: row.invalid ?? 0,
          revised: row.revised ?? 0,
          durationMs: row.duration_ms,
        };
  const lagSeconds = row.last_success_at === null ? null : seconds(now.getTime() - row.last_success_at.getTime());

  const latestStart = [row.running_since, row.run_started_at].find((d): d is Date => d !== null);
  let nextRunAt = latestStart ? new Date(latestStart.getTime() + row.interval_seconds * 1000) : null;
  if (row.next_attempt_at !== null && (nextRunAt === null || row.next_attempt_at > nextRunAt)) {
    nextRunAt = row.next_attempt_at;
  }

  let state: UpstreamState;
  if (lastPull === null) state = 'pending';
  else if (lastPull.outcome === 'error' || row.consecutive_failures > 0) state = 'failing';
  else if (lagSeconds === null || lagSeconds > STALE_AFTER_INTERVALS * row.interval_seconds) state = 'stale';
  else state = 'ok';

  return {
    id: row.id,
    name: row.name,
    kind: row.upstream_kind,
    address: row.address,
    includeRegions: row.include_regions,
    excludeRegions: row.exclude_regions,
    intervalSeconds: row.interval_seconds,
    state,
    lastPull,
    runningSince: row.running_since,
    lastSuccessAt: row.last_success_at,
    lagSeconds,
    consecutiveFailures: row.consecutive_failures,
    nextRunAt,
    nextRunInSeconds: nextRunAt === null ? null : Math.max(0, seconds(nextRunAt.getTime() - now.getTime())),
    abandonedRuns: row.abandoned_runs,
  };
}

/** The health of every upstream as of `now` (also behind the upstream gauges of `/metrics`). */
export async function loadUpstreamStatus(deps: { repository: StatusRepository; now: Date }): Promise<UpstreamStatus[]> {
  return (await deps.repository.upstreams()).map((row) => toUpstream(row, deps.now));
}

/** Reads the hub's state for operators: upstream health, pooled keys, recent exports. */
export async function loadHubStatus(deps: {
  repository: StatusRepository;
  now: Date;
  history: () => Promise<StatusHistory>;
}): Promise<HubStatus> {
  const { repository, now } = deps;
  const [upstreams, imports, keys, batches, history] = await Promise.all([
    loadUpstreamStatus(deps),
    repository.imports(),
    repository.keysByRegion(),
    repository.latestBatches(STATUS_BATCH_LIMIT),
    deps.history(),
  ]);
  const files = await repository.filesOfBatches(batches.map((b) => b.id));
  return {
    generatedAt: now,
    upstreams,
    imports,
    keys,
    exports: {
      batches: batches.map((b) => ({
        id: b.id,
        root: b.root,
        outputRegion: b.output_region,
        startAt: b.start_at,
        endAt: b.end_at,
        status: b.status,
        files: files
          .filter((f) => f.batch_id === b.id)
          .map((f) => ({
            filename: f.filename,
            fileNumber: f.file_number,
            keyCount: f.key_count,
            revisedCount: f.revised_count,
            createdAt: f.created_at,
          })),
      })),
    },
    history,
  };
}
