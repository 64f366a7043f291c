import type { Metrics } from '../../../core/metrics/metrics';
import type { ImportOutcome } from './run-import';

/** Counts of the hub's import runs, per import name (a small, operator-chosen set; never URLs). */
export function importMetrics(metrics: Metrics) {
  const runs = metrics.counter('enfed_import_runs_total', 'Runs of an import by outcome (done, failed).', [
    'import',
    'outcome',
  ]);
  const files = metrics.counter('enfed_import_files_total', 'Export files of an import by outcome.', [
    'import',
    'outcome',
  ]);
  const keys = metrics.counter(
    'enfed_imported_keys_total',
    'Keys read from imported files, by what became of them (inserted, duplicate, invalid, revised).',
    ['import', 'outcome'],
  );
  return {
    /** Records a finished run; runs that did not start (busy, gone, disabled, backing off) are not counted. */
    record(outcome: ImportOutcome): void {
      if (outcome.status !== 'done' && outcome.status !== 'failed') return;
      const name = outcome.name;
      runs.inc({ import: name, outcome: outcome.status });
      const c = outcome.counts;
      files.inc({ import: name, outcome: 'done' }, c.files);
      files.inc({ import: name, outcome: 'failed' }, c.failedFiles);
      keys.inc({ import: name, outcome: 'inserted' }, c.inserted);
      keys.inc({ import: name, outcome: 'duplicate' }, c.duplicates);
      keys.inc({ import: name, outcome: 'invalid' }, c.invalid);
      keys.inc({ import: name, outcome: 'revised' }, c.revised);
    },
  };
}
