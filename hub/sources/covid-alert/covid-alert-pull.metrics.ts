import type { Metrics } from '../../../core/metrics/metrics';
import type { CovidAlertPullOutcome } from './pull-covid-alert';

/** Counts of the hub's COVID Alert pulls, per source name (operator-chosen; never addresses). */
export function covidAlertPullMetrics(metrics: Metrics) {
  const pulls = metrics.counter('enfed_covid_alert_pulls_total', 'Pulls of a COVID Alert source by outcome.', [
    'source',
    'outcome',
  ]);
  const keys = metrics.counter(
    'enfed_covid_alert_pulled_keys_total',
    'Keys received from a COVID Alert source, by what became of them (inserted, duplicate, invalid, revised).',
    ['source', 'outcome'],
  );
  return {
    record(outcome: CovidAlertPullOutcome): void {
      if (outcome.status !== 'done' && outcome.status !== 'failed') return;
      const source = outcome.source;
      pulls.inc({ source, outcome: outcome.status });
      const c = outcome.counts;
      keys.inc({ source, outcome: 'inserted' }, c.inserted);
      keys.inc({ source, outcome: 'duplicate' }, c.duplicates);
      keys.inc({ source, outcome: 'invalid' }, c.invalid);
      keys.inc({ source, outcome: 'revised' }, c.revised);
    },
  };
}
