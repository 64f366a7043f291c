import type { Metrics } from '../../core/metrics/metrics';

/** What the COVID Alert protocol counts: answers by endpoint and outcome, and keys stored by uploads. */
export interface CovidAlertMetrics {
  answered(endpoint: 'claim-key' | 'upload' | 'retrieve', outcome: string): void;
  keysStored(count: number): void;
}

/** Declares the counters (labels: fixed endpoint and outcome words, never keys, codes or clients). */
export function covidAlertMetrics(metrics: Metrics): CovidAlertMetrics {
  const answers = metrics.counter('enfed_covid_alert_requests_total', 'COVID Alert protocol answers by outcome.', [
    'endpoint',
    'outcome',
  ]);
  const keys = metrics.counter('enfed_covid_alert_keys_stored_total', 'Keys stored by COVID Alert uploads.');
  return {
    answered: (endpoint, outcome) => answers.inc({ endpoint, outcome }),
    keysStored: (count) => {
      if (count > 0) keys.inc(count);
    },
  };
}
