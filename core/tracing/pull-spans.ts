import type { FederationFetchResponse } from '../federation/federation.proto';
import { SpanKind, withSpan } from './spans';

/*
 * Pull spans: pull.upstream around one pull of one upstream, with a pull.fetch_page per Fetch call (a client span;
 * its traceparent goes to the upstream, whose federation.Fetch span becomes its child) and a pull.store_page per
 * page stored. The next page is fetched while the current one is stored, so the two overlap in time.
 */

/** The pull of upstream `upstream` (its operator-given name), with the outcome's status and counts. */
export function pullSpan<T extends { status: string; counts?: object }>(
  upstream: string,
  fn: () => Promise<T>,
): Promise<T> {
  return withSpan('pull.upstream', { 'enfed.upstream': upstream }, fn, {
    describe: (outcome) => ({
      'enfed.pull.status': outcome.status,
      ...Object.fromEntries(
        Object.entries(outcome.counts ?? {}).map(([name, n]) => [`enfed.pull.${name}`, n as number]),
      ),
    }),
  });
}

export function traceFetchPage(
  pageSize: number,
  fn: () => Promise<FederationFetchResponse>,
): Promise<FederationFetchResponse> {
  return withSpan('pull.fetch_page', { 'enfed.fetch.page_size': pageSize }, fn, {
    kind: SpanKind.CLIENT,
    describe: (page) => ({
      'enfed.fetch.keys': page.keys.length,
      'enfed.fetch.revised_keys': page.revisedKeys.length,
      'enfed.fetch.partial': page.partialResponse,
    }),
  });
}

export function traceStorePage(page: FederationFetchResponse, fn: () => Promise<void>): Promise<void> {
  return withSpan(
    'pull.store_page',
    { 'enfed.fetch.keys': page.keys.length, 'enfed.fetch.revised_keys': page.revisedKeys.length },
    fn,
  );
}
