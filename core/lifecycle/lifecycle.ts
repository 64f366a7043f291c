import type { Logger } from '../logging/logger';

interface Stage {
  name: string;
  stop: () => Promise<void> | void;
}

/**
 * Ordered shutdown: stages stop in the reverse order they were added, each bounded by a deadline, and
 * every stage runs even when an earlier one fails or times out. `stop()` is idempotent.
 */
export class Lifecycle {
  private readonly stages: Stage[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly stageTimeoutMs: number,
  ) {}

  /** Registers what to undo for a component that has just started. */
  onStop(name: string, stop: () => Promise<void> | void): void {
    this.stages.push({ name, stop });
  }

  stop(): Promise<void> {
    this.stopping ??= this.runStages();
    return this.stopping;
  }

  private async runStages(): Promise<void> {
    for (const stage of [...this.stages].reverse()) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.stageTimeoutMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(stage.stop), deadline]);
        if (outcome === 'timeout') this.logger.warn({ stage: stage.name }, 'shutdown stage timed out; moving on');
        else this.logger.debug({ stage: stage.name, ms: Date.now() - started }, 'stopped');
      } catch (err) {
        this.logger.error({ stage: stage.name, err: (err as Error).message }, 'shutdown stage failed; moving on');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/**
 * Stops `target` on the first SIGTERM or SIGINT and exits; a second signal exits at once. Returns the same
 * stop as a function, for other reasons to stop (e.g. the process's supervisor is gone).
 */
export function stopOnSignals(target: { stop(): Promise<void> }, logger: Logger): (reason: string) => void {
  let received = false;
  const stopNow = (reason: string) => {
    if (received) {
      logger.warn({ reason }, 'stopping again: exiting now');
      process.exit(1);
    }
    received = true;
    logger.info({ reason }, 'shutting down');
    target.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stopNow('SIGTERM'));
  process.on('SIGINT', () => stopNow('SIGINT'));
  return stopNow;
}
