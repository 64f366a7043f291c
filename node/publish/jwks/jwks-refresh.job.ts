import type { Logger } from '../../../core/logging/logger';
import type { Metrics } from '../../../core/metrics/metrics';
import { fetchJwks, JwksFetchError, type JwksFetchLimits } from './fetch-jwks';
import type { JwksAuthority, JwksKeysRepository } from './jwks-keys.repository';

/** The queue (and schedule) name of the refresher. */
export const JWKS_REFRESH_JOB = 'jwks-refresh';

/** What the refresher needs. */
export interface JwksRefreshDeps {
  repository: JwksKeysRepository;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  limits: JwksFetchLimits;
  cleanupTtlSeconds: number;
  maxWorkers: number;
}

/** One refresh of every JWKS authority: how many succeeded and failed. */
export interface JwksRefreshOutcome {
  ok: number;
  failed: number;
}

/**
 * Refreshes the keys of every health authority with a jwks_uri, at most `maxWorkers` at once. For each: purge
 * keys revoked longer ago than the cleanup TTL, fetch the document (bounded in time and size), then add and
 * revoke keys to match it. A failure of one authority is logged, counted and stored on its row
 * (`jwks_error`), never thrown, so the others still refresh and the job itself does not retry in a loop.
 */
export function jwksRefresh(deps: JwksRefreshDeps): () => Promise<JwksRefreshOutcome> {
  const refreshes = deps.metrics.counter(
    'enfed_jwks_refreshes_total',
    'JWKS refreshes of health authorities, by outcome.',
    ['outcome'],
  );
  const changes = deps.metrics.counter(
    'enfed_jwks_key_changes_total',
    'Health authority keys added, revoked or purged by the JWKS refresher.',
    ['change'],
  );

  async function refreshOne(authority: JwksAuthority): Promise<boolean> {
    const now = deps.now();
    const log = { healthAuthorityId: authority.id, iss: authority.iss };
    try {
      const purged = await deps.repository.purge(authority.id, new Date(now.getTime() - deps.cleanupTtlSeconds * 1000));
      if (purged > 0) changes.inc({ change: 'purged' }, purged);
      const keys = await fetchJwks(authority.jwksUri, deps.limits);
      const { added, revoked } = await deps.repository.apply(authority.id, keys, now);
      if (added > 0) changes.inc({ change: 'added' }, added);
      if (revoked > 0) changes.inc({ change: 'revoked' }, revoked);
      await deps.repository.recordSuccess(authority.id, now);
      refreshes.inc({ outcome: 'ok' });
      if (added + revoked + purged > 0) deps.logger.info({ ...log, added, revoked, purged }, 'jwks refreshed');
      return true;
    } catch (err) {
      const message = err instanceof JwksFetchError ? err.message : `internal: ${(err as Error).message}`;
      refreshes.inc({ outcome: 'failed' });
      deps.logger.warn({ ...log, reason: message }, 'jwks refresh failed');
      await deps.repository.recordFailure(authority.id, message, now).catch(() => undefined);
      return false;
    }
  }

  return async () => {
    const queue = await deps.repository.authorities();
    const outcome: JwksRefreshOutcome = { ok: 0, failed: 0 };
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (await refreshOne(next)) outcome.ok++;
        else outcome.failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.maxWorkers, queue.length) }, worker));
    return outcome;
  };
}
