import type { Metrics } from '../../core/metrics/metrics';

/** What the codes room counts: `/new-key-claim` answers, and claims of codes by flow and outcome. */
export interface CodesMetrics {
  issued(outcome: string): void;
  claimed(flow: 'covid-alert' | 'device-api', outcome: string): void;
}

/** Declares the counters on this server's registry (labels are fixed outcome words, never codes or clients). */
export function codesMetrics(metrics: Metrics): CodesMetrics {
  const issued = metrics.counter('enfed_codes_issue_requests_total', '/new-key-claim answers by outcome.', ['outcome']);
  const claimed = metrics.counter('enfed_code_claims_total', 'Claims of one-time codes by flow and outcome.', [
    'flow',
    'outcome',
  ]);
  return {
    issued: (outcome) => issued.inc({ outcome }),
    claimed: (flow, outcome) => claimed.inc({ flow, outcome }),
  };
}
