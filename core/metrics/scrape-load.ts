import type { Logger } from '../logging/logger';

/** Gauges declared together read their source once per scrape; a later scrape reads it again. */
const SHARE_LOAD_MS = 1000;

/**
 * Wraps a read that gauges need at scrape time: shared by the gauges of one scrape, and never rejecting (a
 * failed read logs and yields `undefined`), because a throwing collector fails the whole scrape, and the
 * process and dependency metrics matter most when the database is down.
 */
export function scrapeLoad<T>(what: string, logger: Logger, load: () => Promise<T>): () => Promise<T | undefined> {
  let shared: { at: number; result: Promise<T | undefined> } | undefined;
  return () => {
    const now = Date.now();
    if (!shared || now - shared.at > SHARE_LOAD_MS) {
      const result = load().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, `${what} gauges: could not read`);
        return undefined;
      });
      shared = { at: now, result };
    }
    return shared.result;
  };
}
