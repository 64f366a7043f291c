import type { Metrics } from '../metrics/metrics';

/** A dependency that does not answer within this counts as down for the scrape. */
const CHECK_TIMEOUT_MS = 2000;

async function answers(check: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `enfed_dependency_up{dependency}`: 1 when PostgreSQL or Redis answered this scrape's check, else 0, checked at
 * scrape time with the same checks as `/readyz`, so an alert sees an outage from every process that has one.
 */
export function declareDependencyGauge(metrics: Metrics, checks: Record<string, () => Promise<void>>): void {
  metrics.gauge(
    'enfed_dependency_up',
    'Whether a dependency (postgres, redis) answered its check at this scrape (1) or not (0).',
    ['dependency'],
    async (gauge) => {
      const names = Object.keys(checks);
      const states = await Promise.all(names.map((name) => answers(checks[name] as () => Promise<void>)));
      names.forEach((name, i) => gauge.set({ dependency: name }, states[i] ? 1 : 0));
    },
  );
}
