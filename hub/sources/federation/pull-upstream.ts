import type pg from 'pg';
import { inClientTransaction } from '../../../core/db/transaction';
import { AppError } from '../../../core/errors/app-error';
import { FederationCallError, type FederationClient } from '../../../core/federation/federation-client';
import type { FederationFetchRequest, FederationFetchResponse } from '../../../core/federation/federation.proto';
import { truncate } from '../../../core/keys/intervals';
import type { Logger } from '../../../core/logging/logger';
import { tlsFileProblems } from '../../../core/tls/tls-file-problems';
import { pullSpan, traceFetchPage, traceStorePage } from '../../../core/tracing/pull-spans';
import { nextAttemptAt } from '../backoff';
import type { KeyPool, PreparedBatch } from '../../pool/key-pool';
import { incomingFromWire } from './incoming-wire-keys';
import { PullRunRepository, ZERO_COUNTS, type RunCounts } from '../source-run.repository';
import type { UpstreamClients } from './upstream-clients';
import { UpstreamQueryRepository, type UpstreamQuery } from './upstream-query.repository';

/** What a pull needs; built once by the component (tests build it around a hub's pool). */
export interface PullDeps {
  db: pg.Pool;
  /** The key pool pages are stored into. */
  keyPool: KeyPool;
  clients: UpstreamClients;
  logger: Logger;
  now: () => Date;
  truncateWindowSeconds: number;
  pageSize: number;
  deadlineSeconds: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

export type PullOutcome =
  | { status: 'done'; upstream: string; runId: number; counts: RunCounts }
  | { status: 'failed'; upstream: string; runId: number; counts: RunCounts; error: string; retryAt: Date }
  | { status: 'busy' | 'gone' | 'backing-off' };

export interface PullOptions {
  /** Stops the pull at the next page boundary (shutdown; tests simulating a killed job). */
  signal?: AbortSignal;
  /** Pull even while the upstream is backing off (operator "pull now"). */
  ignoreBackoff?: boolean;
  /** Called after each committed page with the run's counts so far (progress, benchmarks). */
  onPage?: (counts: Readonly<RunCounts>) => void;
}

/** Raised when a pull is stopped from outside (shutdown, or a test simulating a killed job). */
export class PullAbortedError extends AppError {
  constructor() {
    super('unavailable', 'pull_aborted', 'the pull was stopped before it finished');
  }
}

/**
 * Pulls one upstream until it has nothing more (docs/federation.md, "federation-in: pulling"). Holds the
 * upstream's advisory lock for the whole pull; each page's keys, the new cursors and the run's counters commit in
 * one transaction, so stopping at any point loses and duplicates nothing and the next pull resumes at the last
 * committed page. The next page is
 * requested, and the one after it validated, while the current one is stored. All of a pull's database work runs on the session holding the lock:
 * one connection per pull, so pulls never wait on each other for a second connection (with as many pulls as the
 * pool has connections, that wait would never end).
 */
export async function pullUpstream(deps: PullDeps, queryId: number, options: PullOptions = {}): Promise<PullOutcome> {
  const queries = new UpstreamQueryRepository(deps.db);
  const lockSession = await deps.db.connect();
  try {
    if (!(await queries.tryLock(lockSession, queryId))) return { status: 'busy' };
    try {
      const query = await queries.get(queryId, lockSession);
      if (!query) return { status: 'gone' };
      if (!options.ignoreBackoff && query.nextAttemptAt && query.nextAttemptAt > deps.now()) {
        return { status: 'backing-off' };
      }
      return await pullSpan(query.name, () => runPull(deps, lockSession, queries, query, options));
    } finally {
      await queries.unlock(lockSession, queryId);
    }
  } finally {
    lockSession.release();
  }
}

async function runPull(
  deps: PullDeps,
  session: pg.PoolClient,
  queries: UpstreamQueryRepository,
  query: UpstreamQuery,
  options: PullOptions,
): Promise<PullOutcome> {
  const { signal, onPage } = options;
  const runs = new PullRunRepository(session);
  // We hold the upstream's lock, so a run still open is one whose process died (killed, crashed): close it.
  const abandoned = await runs.closeAbandoned(query.id, deps.now());
  const runId = await runs.start(query.id, deps.now());
  const counts: RunCounts = { ...ZERO_COUNTS };
  const log = deps.logger.child({ upstream: query.name, runId });
  if (abandoned > 0) log.warn({ abandoned }, 'closed pull runs left open by a process that stopped');
  const base: Omit<FederationFetchRequest, 'state'> = {
    includeRegions: query.includeRegions,
    excludeRegions: query.excludeRegions,
    onlyTravelers: query.onlyTravelers,
    onlyLocalProvenance: query.onlyLocalProvenance,
    maxExposureKeys: deps.pageSize,
  };
  let pending: Promise<FederationFetchResponse> | undefined;
  let storing: Promise<void> | undefined;
  try {
    // Inside the try: unreadable TLS files are a failure of this upstream (run closed, backoff), like a refused call.
    const client = clientFor(deps, query, log);
    const fetchPage = (state: FederationFetchRequest['state']) =>
      traceFetchPage(deps.pageSize, () => client.fetch({ ...base, state }, deps.deadlineSeconds * 1000));
    pending = fetchPage({ keyCursor: query.keyCursor, revisedKeyCursor: query.revisedKeyCursor });
    // A pipeline one page deep on each side (the COPY into the pool is the slow step): while page N is stored,
    // page N+1 is validated and encoded here and page N+2 is being asked for. Pages still commit one at a time,
    // in order; at most three pages are held, whatever the upstream's size.
    while (pending) {
      const page: FederationFetchResponse = await pending;
      // Overlap: ask for the next page before storing this one. If storing fails, that answer is dropped.
      pending = page.partialResponse ? fetchPage(page.nextFetchState) : undefined;
      if (signal?.aborted) throw new PullAbortedError();
      const prepared = preparePage(deps, query, page);
      await storing;
      if (signal?.aborted) throw new PullAbortedError();
      storing = traceStorePage(page, () =>
        storePage(deps, session, queries, runs, runId, query, prepared, counts),
      ).then(() => onPage?.(counts));
      // Awaited at the next page or after the loop; until then a failure must not count as unhandled.
      storing.catch(() => undefined);
    }
    await storing;
    await inClientTransaction(session, async () => {
      await runs.finish(runId, deps.now(), null);
      await queries.recordSuccess(session, query.id);
    });
    log.info({ ...counts }, 'pull done');
    return { status: 'done', upstream: query.name, runId, counts };
  } catch (err) {
    pending?.catch(() => undefined);
    // The session is shared: let a page still being stored finish (commit or roll back) before recording the failure.
    await storing?.catch(() => undefined);
    const error = describeFailure(err);
    const now = deps.now();
    let retryAt = now;
    // The backoff and the closed run commit together: a reader never sees one without the other.
    await inClientTransaction(session, async () => {
      await queries.recordFailure(session, query.id, (failures) => {
        retryAt = nextAttemptAt(now, failures, deps.backoffBaseSeconds, deps.backoffMaxSeconds);
        return retryAt;
      });
      await runs.finish(runId, now, error);
    });
    if (!(err instanceof AppError)) log.error({ err: (err as Error)?.message }, 'pull failed');
    else log.warn({ error, retryAt, ...counts }, 'pull failed; will retry with backoff');
    return { status: 'failed', upstream: query.name, runId, counts, error, retryAt };
  }
}

/** A fetched page validated and encoded for the pool, with the cursors to save alongside it. */
interface PreparedPage {
  batch: PreparedBatch;
  next: FederationFetchResponse['nextFetchState'];
}

/** The CPU part of storing a page (no database work), so that it can run while the previous page is stored. */
function preparePage(deps: PullDeps, query: UpstreamQuery, page: FederationFetchResponse): PreparedPage {
  const now = deps.now();
  const origin = {
    arrivedAt: truncate(now, deps.truncateWindowSeconds),
    localProvenance: query.upstreamKind === 'node',
    originQueryId: query.id,
  };
  const incoming = { primary: incomingFromWire(page.keys), revised: incomingFromWire(page.revisedKeys) };
  return { batch: deps.keyPool.prepare(incoming, origin, now), next: page.nextFetchState };
}

/** Stores one prepared page: its keys, the cursors after it and the run's counters commit together. */
async function storePage(
  deps: PullDeps,
  session: pg.PoolClient,
  queries: UpstreamQueryRepository,
  runs: PullRunRepository,
  runId: number,
  query: UpstreamQuery,
  page: PreparedPage,
  counts: RunCounts,
): Promise<void> {
  const added = await inClientTransaction(session, async (tx) => {
    const pageCounts = await deps.keyPool.store(tx, page.batch);
    const next = page.next;
    if (next?.keyCursor && next.revisedKeyCursor) {
      await queries.saveCursors(tx, query.id, next.keyCursor, next.revisedKeyCursor);
    }
    await runs.addPage(tx, runId, pageCounts);
    return pageCounts;
  });
  counts.pages += 1;
  counts.received += added.received;
  counts.inserted += added.inserted;
  counts.duplicates += added.duplicates;
  counts.invalid += added.invalid;
  counts.revised += added.revised;
}

/** The upstream's client; its TLS files are read when it is first built, and named when they are unusable. */
function clientFor(deps: PullDeps, query: UpstreamQuery, log: Logger): FederationClient {
  const problems = tlsFileProblems({
    ca: { path: query.caCertPath, name: 'ca' },
    ...(query.clientCertPath && query.clientKeyPath
      ? { cert: { path: query.clientCertPath, name: 'cert' }, key: { path: query.clientKeyPath, name: 'key' } }
      : {}),
  });
  if (problems.length === 0) {
    try {
      return deps.clients.get(query);
    } catch (err) {
      problems.push((err as Error)?.message ?? 'unusable');
    }
  }
  log.warn({ problems }, 'the upstream TLS files are unusable');
  throw new UpstreamTlsFilesError(problems);
}

/** The upstream's TLS files cannot be used; the run record and the status page name the file and why. */
class UpstreamTlsFilesError extends AppError {
  constructor(readonly problems: string[]) {
    super(
      'unavailable',
      'upstream_tls_files_unreadable',
      `the upstream TLS files are unusable: ${problems.join('; ')}`,
    );
  }
}

/** A short, safe text for the run record and the status page. */
function describeFailure(err: unknown): string {
  if (err instanceof FederationCallError) return `grpc_status_${err.grpcCode}: ${err.message.slice(0, 200)}`;
  if (err instanceof UpstreamTlsFilesError) return `${err.code}: ${err.problems.join('; ').slice(0, 300)}`;
  // A token source's error names its file and why (never the token), as the TLS files' do.
  if (err instanceof AppError && err.code === 'upstream_token_unreadable') return `${err.code}: ${err.message}`;
  if (err instanceof AppError) return err.code;
  return 'internal_error';
}
