import type { CliContext } from '../support/cli-context';
import { describeEnd } from './child-processes';
import type { DemoLock } from './demo-lock';
import type { DemoOptions } from './demo-options';
import type { DemoPlan } from './demo-plan';
import { demoTiming, hubExportDueAt } from './demo-timing';
import { FederationRunner } from './federation-runner';
import { FlowCounter, formatFlow } from './progress';
import { clock, printSummary } from './summary';

/**
 * The demo's supervisor, once its lock is held and its ports are free: starts the federation (FederationRunner),
 * prints a summary and progress lines until SIGINT/SIGTERM or a child's death, which stop every child and exit
 * (0, or 1 when a child died). Every child stops by itself if this process dies.
 */
export async function runDemo(
  ctx: CliContext,
  plan: DemoPlan,
  options: DemoOptions,
  redisUrl: string,
  lock: DemoLock,
): Promise<never> {
  let stopping = false;
  const counter = new FlowCounter(plan);
  let progressTimer: NodeJS.Timeout | undefined;
  const runner: FederationRunner = new FederationRunner(plan, options, redisUrl, {
    out: ctx.out,
    died: (server, end) => {
      ctx.err(
        `enfed demo: ${server.name} exited unexpectedly (${describeEnd(end)}); stopping the others. ` +
          `Its log: ${server.logFile}\n`,
      );
      void stop(1);
    },
  });
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(progressTimer);
    ctx.out('\nenfed demo: stopping the hub and the nodes…\n');
    await runner.stop();
    await counter.close();
    lock.release();
    ctx.out('enfed demo: stopped\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const manifest = await runner.launch();
    const timing = demoTiming(options);
    printSummary(manifest, options, plan, {
      timing,
      dueAt: hubExportDueAt(new Date(), timing),
      seeded: options.seed > 0,
    });

    // Progress from the databases; a failed read (PostgreSQL restarting) prints nothing and the next one resumes.
    let last = '';
    let reading = false;
    progressTimer = setInterval(() => {
      if (reading) return;
      reading = true;
      counter
        .read()
        .then(
          (counts) => {
            const line = formatFlow(counts);
            if (line !== last) ctx.out(`${clock(new Date())}  ${line}\n`);
            last = line;
          },
          () => undefined,
        )
        .finally(() => (reading = false));
    }, 3000);
  } catch (err) {
    ctx.err(`enfed demo: ${(err as Error).message}\n`);
    await stop(1);
  }
  return new Promise<never>(() => {
    // Runs until a signal or a child's death; `stop` exits the process.
  });
}
