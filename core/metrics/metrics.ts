import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one server instance (node or hub), served as text at `GET /metrics`.
 *
 * Each server owns its own prom-client `Registry`; nothing touches prom-client's global default registry,
 * so several servers in one process (tests, the demo) never clash over metric names.
 *
 * How a component declares its metrics: in `start(ctx)`, once, keep the returned handle and use it later.
 * ```ts
 * const published = ctx.metrics.counter('enfed_keys_published_total', 'Keys accepted by the publish API.', ['outcome']);
 * published.inc({ outcome: 'inserted' }, count);
 * const duration = ctx.metrics.histogram('enfed_export_batch_seconds', 'Time to write one export batch.', ['root']);
 * const stopTimer = duration.startTimer({ root }); … stopTimer();
 * ```
 * Names are `enfed_<what>_<unit>` (`_total` for counters, `_seconds` for durations). Label values must come
 * from a small fixed set (outcome, upstream name, config root): never ids, keys, URLs or addresses.
 * Declaring the same name again with the same kind and labels returns the existing metric (so a component
 * may be started twice against one server); a conflicting declaration throws at start-up.
 */
export class Metrics {
  /** The registry `/metrics` renders; exposed for tests and for components that need a custom collector. */
  readonly registry = new Registry();
  private readonly declared = new Map<string, { kind: string; labels: string }>();

  constructor() {
    // Process metrics (CPU, memory, event loop lag, GC, handles). prom-client starts one GC observer and one
    // event-loop monitor per call that it cannot stop: one per server, which only matters in tests.
    collectDefaultMetrics({ register: this.registry });
  }

  /** A monotonically increasing count (`_total`). */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.declare(
      name,
      'counter',
      labelNames,
      () => new Counter<L>({ name, help, labelNames, registers: [this.registry] }),
    );
  }

  /**
   * A value that goes up and down (queue depth, lag). `collect`, if given, runs on every scrape to set the
   * current values (e.g. from the database); it must not throw, or the whole scrape fails.
   */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return this.declare(name, 'gauge', labelNames, () => {
      const gauge: Gauge<L> = new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect ? { collect: () => collect(gauge) } : {}),
      });
      return gauge;
    });
  }

  /** A distribution (durations in seconds, sizes); `buckets` defaults to prom-client's latency buckets. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    return this.declare(
      name,
      'histogram',
      labelNames,
      () => new Histogram<L>({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) }),
    );
  }

  /** The Prometheus text exposition of every metric of this server. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private declare<M>(name: string, kind: string, labelNames: readonly string[], create: () => M): M {
    const labels = [...labelNames].sort().join(',');
    const previous = this.declared.get(name);
    if (previous) {
      if (previous.kind !== kind || previous.labels !== labels) {
        throw new Error(`metric ${name} is already declared as a ${previous.kind} with labels [${previous.labels}]`);
      }
      return this.registry.getSingleMetric(name) as M;
    }
    const metric = create();
    this.declared.set(name, { kind, labels });
    return metric;
  }
}
