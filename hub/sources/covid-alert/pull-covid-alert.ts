import { createPublicKey, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { inClientTransaction } from '../../../core/db/transaction';
import { AppError } from '../../../core/errors/app-error';
import { truncate } from '../../../core/keys/intervals';
import type { Logger } from '../../../core/logging/logger';
import { UNSEALED, type SecretSealer } from '../../../core/secrets/secret-sealer';
import type { KeyPool } from '../../pool/key-pool';
import { nextAttemptAt } from '../backoff';
import { CovidAlertDaysRepository, type DayEntry } from './covid-alert-days.repository';
import { CovidAlertRunsRepository, ZERO_RUN_COUNTS, type CovidAlertRunCounts } from './covid-alert-runs.repository';
import { CovidAlertSourceRepository, type CovidAlertSource } from './covid-alert-source.repository';
import { incomingFromDay } from './day-keys';
import { fetchDay, RetrieveStatusError } from './retrieve-client';
import { openDayFile } from './retrieve-file';

const DAY_MS = 86_400_000;

/**
 * A day's file stops growing when the day ends (the reference files keys by the hour they were uploaded); a pull
 * made this long after the end of the day is final, leaving room for the two servers' clocks to differ.
 */
export const FINAL_AFTER_MS = 2 * 3_600_000;

/** What a pull needs; built once by the component (tests build it around a hub's pool). */
export interface CovidAlertPullDeps {
  db: pg.Pool;
  keyPool: KeyPool;
  sealer?: SecretSealer;
  logger: Logger;
  now: () => Date;
  truncateWindowSeconds: number;
  /** Days before today asked for (the reference serves today and the 14 days before it). */
  servedDays: number;
  /** Bound of one request, connect to last byte. */
  timeoutSeconds: number;
  /** Cap of one answer (the zip) and of each inflated entry. */
  maxZipBytes: number;
  maxEntryBytes: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

export type CovidAlertPullOutcome =
  | { status: 'done'; source: string; runId: number; counts: CovidAlertRunCounts }
  | { status: 'failed'; source: string; runId: number; counts: CovidAlertRunCounts; error: string; retryAt: Date }
  | { status: 'busy' | 'gone' | 'disabled' | 'backing-off' };

export interface CovidAlertPullOptions {
  /** Stops the pull between days (shutdown); ingested days stay. */
  signal?: AbortSignal;
  /** Pull even while the source is backing off (operator "pull now", tests). */
  ignoreBackoff?: boolean;
}

/** A failure that ends the whole run: the server refuses our MAC, or cannot be reached at all. */
function endsRun(err: unknown): boolean {
  if (err instanceof RetrieveStatusError) return err.status === 401 || err.status === 403;
  return err instanceof AppError && (err.code === 'retrieve_timeout' || err.code === 'retrieve_network');
}

/** A short, safe text for the ledger, the run record and the status page (never the URL: it holds the MAC). */
function describe(err: unknown): string {
  return err instanceof AppError ? err.code : 'internal_error';
}

/**
 * Pulls one COVID Shield / COVID Alert server (docs/covid-alert-source.md): every day of the served window that is
 * not final yet is fetched with a fresh MAC, verified with the source's public key, and, when its export.bin
 * changed since the last pull, handed to the key pool together with its ledger row and the run's counters in one
 * transaction. Holding the source's advisory lock, so two pulls of one source never overlap.
 */
export async function pullCovidAlert(
  deps: CovidAlertPullDeps,
  sourceId: number,
  options: CovidAlertPullOptions = {},
): Promise<CovidAlertPullOutcome> {
  const session = await deps.db.connect();
  const sources = new CovidAlertSourceRepository(session, deps.sealer ?? UNSEALED);
  try {
    if (!(await sources.tryLock(session, sourceId))) return { status: 'busy' };
    try {
      const source = await sources.get(sourceId);
      if (!source) return { status: 'gone' };
      if (!source.enabled) return { status: 'disabled' };
      if (!options.ignoreBackoff && source.nextAttemptAt && source.nextAttemptAt > deps.now()) {
        return { status: 'backing-off' };
      }
      return await run(deps, session, sources, source, options);
    } finally {
      await sources.unlock(session, sourceId);
    }
  } finally {
    session.release();
  }
}

async function run(
  deps: CovidAlertPullDeps,
  session: pg.PoolClient,
  sources: CovidAlertSourceRepository,
  source: CovidAlertSource,
  options: CovidAlertPullOptions,
): Promise<CovidAlertPullOutcome> {
  const runs = new CovidAlertRunsRepository(session);
  const days = new CovidAlertDaysRepository(session);
  const abandoned = await runs.closeAbandoned(source.id, deps.now());
  const runId = await runs.start(source.id, deps.now());
  const log = deps.logger.child({ source: source.name, runId });
  if (abandoned > 0) log.warn({ abandoned }, 'closed pull runs left open by a process that stopped');
  const counts: CovidAlertRunCounts = { ...ZERO_RUN_COUNTS };
  const failures: string[] = [];
  try {
    const key = await sources.retrieveKey(source.id);
    const publicKey = createPublicKey(source.publicKeyPem);
    const today = Math.floor(deps.now().getTime() / DAY_MS);
    const first = today - deps.servedDays;
    const ledger = await days.since(source.id, first);
    for (let day = first; day <= today; day += 1) {
      if (options.signal?.aborted) throw new AppError('unavailable', 'pull_aborted', 'the pull was stopped');
      const entry = ledger.get(day);
      if (isFinal(entry, day)) continue;
      try {
        await pullDay(deps, session, source, { key, publicKey, day, entry, runId, counts });
      } catch (err) {
        // Today may not be served yet (the reference's current-day check); the oldest day may just have expired.
        if (err instanceof RetrieveStatusError && err.status === 404 && day === today) continue;
        if (err instanceof RetrieveStatusError && err.status === 410 && day === first) continue;
        if (endsRun(err)) throw err;
        const error = describe(err);
        failures.push(`${error} (day ${day})`);
        await days.failed(source.id, day, error, deps.now());
        log.warn({ day, error }, 'a day of the retrieve API could not be ingested');
      }
    }
    if (failures.length > 0) {
      const more = failures.length > 1 ? ` and ${failures.length - 1} more day(s)` : '';
      throw new DaysFailedError(`${failures[0]}${more}`);
    }
    await inClientTransaction(session, async () => {
      await runs.finish(runId, deps.now(), null);
      await sources.recordSuccess(session, source.id);
    });
    log.info({ ...counts }, 'covid alert pull done');
    return { status: 'done', source: source.name, runId, counts };
  } catch (err) {
    const error = err instanceof DaysFailedError ? err.message : describe(err);
    const now = deps.now();
    let retryAt = now;
    await inClientTransaction(session, async () => {
      await sources.recordFailure(session, source.id, (n) => {
        retryAt = nextAttemptAt(now, n, deps.backoffBaseSeconds, deps.backoffMaxSeconds);
        return retryAt;
      });
      await runs.finish(runId, now, error);
    });
    if (err instanceof AppError) log.warn({ error, retryAt, ...counts }, 'covid alert pull failed; backing off');
    else log.error({ err: (err as Error)?.message }, 'covid alert pull failed');
    return { status: 'failed', source: source.name, runId, counts, error, retryAt };
  }
}

/** Some days failed; the message lists the first (code and day number) and how many more. */
class DaysFailedError extends Error {}

/** Ingested by a pull made after the day ended (plus a margin): its file can no longer change. */
export function isFinal(entry: DayEntry | undefined, day: number): boolean {
  return entry?.state === 'ingested' && entry.pulledAt.getTime() >= (day + 1) * DAY_MS + FINAL_AFTER_MS;
}

interface DayPull {
  key: Buffer;
  publicKey: KeyObject;
  day: number;
  entry: DayEntry | undefined;
  runId: number;
  counts: CovidAlertRunCounts;
}

async function pullDay(
  deps: CovidAlertPullDeps,
  session: pg.PoolClient,
  source: CovidAlertSource,
  pull: DayPull,
): Promise<void> {
  const now = deps.now();
  const zip = await fetchDay({
    baseUrl: source.baseUrl,
    region: source.retrieveRegion,
    day: pull.day,
    key: pull.key,
    now,
    timeoutSeconds: deps.timeoutSeconds,
    maxBytes: deps.maxZipBytes,
  });
  const file = await openDayFile(zip, pull.publicKey, pull.day, deps.maxEntryBytes);
  const days = new CovidAlertDaysRepository(session);
  const runs = new CovidAlertRunsRepository(session);
  if (pull.entry?.state === 'ingested' && pull.entry.digest === file.digest) {
    await inClientTransaction(session, (tx) => days.unchanged(tx, source.id, pull.day, now));
    return;
  }
  const batch = {
    primary: file.export.keys.map((k) => incomingFromDay(k, source.region)),
    revised: file.export.revisedKeys.map((k) => incomingFromDay(k, source.region)),
  };
  const origin = {
    arrivedAt: truncate(now, deps.truncateWindowSeconds),
    localProvenance: false,
    originQueryId: source.id,
  };
  const added = await inClientTransaction(session, async (tx) => {
    const c = await deps.keyPool.ingest(tx, batch, origin, now);
    const received = file.export.keys.length + file.export.revisedKeys.length;
    await days.ingested(tx, source.id, pull.day, { digest: file.digest, keys: received, inserted: c.inserted }, now);
    await runs.addDay(tx, pull.runId, c);
    return c;
  });
  pull.counts.days += 1;
  pull.counts.received += added.received;
  pull.counts.inserted += added.inserted;
  pull.counts.duplicates += added.duplicates;
  pull.counts.invalid += added.invalid;
  pull.counts.revised += added.revised;
}
