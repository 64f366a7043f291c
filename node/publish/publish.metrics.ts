import type { Metrics } from '../../core/metrics/metrics';

/** What the publish route counts: answers by stable code, and keys by what happened to them. */
export interface PublishMetrics {
  answered(code: string): void;
  keys(outcome: 'stored' | 'dropped', count: number): void;
}

/** Declares the publish counters on this server's registry. Labels are stable codes, never ids or keys. */
export function publishMetrics(metrics: Metrics): PublishMetrics {
  const requests = metrics.counter(
    'enfed_publish_requests_total',
    'Publish answers by code (ok, partial_failure or an error code).',
    ['code'],
  );
  const keys = metrics.counter(
    'enfed_keys_published_total',
    'Keys stored (inserted or revised) or dropped by the publish API.',
    ['outcome'],
  );
  return {
    answered: (code) => requests.inc({ code }),
    keys: (outcome, count) => {
      if (count > 0) keys.inc({ outcome }, count);
    },
  };
}
