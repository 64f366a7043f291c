import { AppError } from '../../errors/app-error';
import type { Metrics } from '../../metrics/metrics';

/**
 * `enfed_federation_token_calls_total{outcome}`: calls on the token listener by outcome, `ok` or the stable
 * refusal code (`token_expired`, `token_audience_mismatch`, …; a fixed set), so an operator sees a partner's
 * clock drift or a rotated key without reading logs. Faults that are not refusals count as `error`.
 */
export function tokenCallMetrics(metrics: Metrics): { count<T>(identified: Promise<T>): Promise<T> } {
  const calls = metrics.counter('enfed_federation_token_calls_total', 'Token listener calls by outcome.', ['outcome']);
  return {
    async count(identified) {
      try {
        const result = await identified;
        calls.inc({ outcome: 'ok' });
        return result;
      } catch (err) {
        calls.inc({ outcome: err instanceof AppError ? err.code : 'error' });
        throw err;
      }
    },
  };
}
