import type { Worker } from 'bullmq';

/** The part of BullMQ's Worker this guard touches (private in its typings, present at run time). */
interface RetryingWorker {
  closing?: unknown;
  closed?: unknown;
  retryIfFailed?: (fn: () => Promise<unknown>, opts: Record<string, unknown>) => Promise<unknown>;
}

/** Stands in for a connection error once the worker is closing, so that BullMQ gives up instead of retrying. */
export class WorkerClosingError extends Error {
  constructor(cause: unknown) {
    super(`Redis call failed while the job worker closes: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'WorkerClosingError';
  }
}

/**
 * BullMQ 5.81.5 (the last 5.x) retries a Redis call that failed with a connection error in `retryIfFailed`, forever,
 * and skips the delay between attempts once the worker is closing. A worker stopped while Redis is unreachable,
 * with a scheduled job in hand whose next run it must register, then retries in a loop of resolved promises that
 * never lets the event loop run: the process sits at full CPU and never finishes shutting down (seen in the faults
 * tests; a V8 profile showed retryIfFailed and upsertJobScheduler). BullMQ 6 stops retrying once closing; this
 * applies that rule to one worker: a connection error after close began is turned into an ordinary error, which
 * BullMQ does not retry (the job's next run is registered again by the schedule keeper when Redis is back).
 */
export function stopRetriesOnClose(worker: Worker): void {
  const target = worker as unknown as RetryingWorker;
  const original = target.retryIfFailed;
  if (typeof original !== 'function') return;
  target.retryIfFailed = function (this: RetryingWorker, fn, opts) {
    const guarded = async () => {
      try {
        return await fn();
      } catch (err) {
        if (this.closing || this.closed) throw new WorkerClosingError(err);
        throw err;
      }
    };
    return original.call(this, guarded, opts);
  };
}
