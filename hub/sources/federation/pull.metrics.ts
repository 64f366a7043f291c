import type { Metrics } from '../../../core/metrics/metrics';
import type { PullOutcome } from './pull-upstream';

/** Counts of the hub's pulls, per upstream name (a small, operator-chosen set; never addresses). */
export function pullMetrics(metrics: Metrics) {
  const pulls = metrics.counter('enfed_federation_pulls_total', 'Pulls of an upstream by outcome (done, failed).', [
    'upstream',
    'outcome',
  ]);
  const keys = metrics.counter(
    'enfed_federation_pulled_keys_total',
    'Keys received from an upstream, by what became of them (inserted, duplicate, invalid, revised).',
    ['upstream', 'outcome'],
  );
  return {
    /** Records a finished pull; pulls that did not run (busy, gone, backing off) are not counted. */
    record(outcome: PullOutcome): void {
      if (outcome.status !== 'done' && outcome.status !== 'failed') return;
      const upstream = outcome.upstream;
      pulls.inc({ upstream, outcome: outcome.status });
      const c = outcome.counts;
      keys.inc({ upstream, outcome: 'inserted' }, c.inserted);
      keys.inc({ upstream, outcome: 'duplicate' }, c.duplicates);
      keys.inc({ upstream, outcome: 'invalid' }, c.invalid);
      keys.inc({ upstream, outcome: 'revised' }, c.revised);
    },
  };
}
