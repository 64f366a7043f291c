import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../core/logging/logger';
import type { CliContext } from '../support/cli-context';
import { describeEnd, spawnServer, stopAll, type DemoProcess } from './child-processes';
import type { DemoLock } from './demo-lock';
import { buildManifest } from './demo-manifest';
import type { DemoOptions } from './demo-options';
import { serverEnv, type DemoPlan, type DemoServer } from './demo-plan';
import { demoTiming, hubExportDueAt } from './demo-timing';
import { writeJsonAtomically } from './manifest-file';
import { FlowCounter, formatFlow } from './progress';
import { provisionDemo } from './provision';
import { seedDiagnoses } from './seed';
import { clock, printSummary } from './summary';

const GENERATE_CERTS = fileURLToPath(new URL('../../certs/generate.sh', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

async function waitReady(server: DemoServer, process: DemoProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null || process.child.signalCode !== null)
      throw new Error(`${server.name} exited during start-up; see ${server.logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${server.name} was not ready within ${READY_TIMEOUT_MS / 1000} s; see ${server.logFile}`);
}

/**
 * The demo's supervisor, once its lock is held and its ports are free: fresh certificates, databases and files,
 * then the nodes, then (once every node answers, gRPC included) the hub, each a child process that stops by
 * itself if this process dies; a summary and progress lines until SIGINT/SIGTERM or a child's death, which
 * stop every child and exit (0, or 1 when a child died).
 */
export async function runDemo(
  ctx: CliContext,
  plan: DemoPlan,
  options: DemoOptions,
  redisUrl: string,
  lock: DemoLock,
): Promise<never> {
  const logger = createLogger({ level: 'warn', name: 'demo' });
  await rm(`${plan.dir}/blobs`, { recursive: true, force: true });
  await rm(options.manifestPath, { force: true });
  await mkdir(`${plan.dir}/logs`, { recursive: true });
  ctx.out(`enfed demo: generating dev certificates in ${plan.certDir}\n`);
  await promisify(execFile)('bash', [GENERATE_CERTS, plan.certDir, ...plan.nodes.map((n) => n.name)]);
  ctx.out('enfed demo: creating databases, signing keys, health authorities, partners and upstreams\n');
  const provisioned = await provisionDemo(plan, options, redisUrl, logger);

  const processes: DemoProcess[] = [];
  let stopping = false;
  const counter = new FlowCounter(plan);
  let progressTimer: NodeJS.Timeout | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(progressTimer);
    ctx.out('\nenfed demo: stopping the hub and the nodes…\n');
    await stopAll(processes, 15_000);
    await counter.close();
    lock.release();
    ctx.out('enfed demo: stopped\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const start = (server: DemoServer): DemoProcess => {
    const child = spawnServer(server.name, server.role, serverEnv(plan, server, options, redisUrl), server.logFile);
    processes.push(child);
    void child.exited.then((end) => {
      if (stopping) return;
      ctx.err(
        `enfed demo: ${server.name} exited unexpectedly (${describeEnd(end)}); stopping the others. ` +
          `Its log: ${server.logFile}\n`,
      );
      void stop(1);
    });
    return child;
  };

  try {
    // The nodes first: a node answers /readyz only once all its components, gRPC included, have started, so
    // the hub's first pulls find every upstream listening instead of failing and backing off.
    const nodes = plan.nodes.map(start);
    await Promise.all(plan.nodes.map((s, i) => waitReady(s, nodes[i]!)));
    await waitReady(plan.hub, start(plan.hub));
    if (options.seed > 0) {
      for (const node of provisioned.nodes) {
        const inserted = await seedDiagnoses(
          `http://127.0.0.1:${node.server.httpPort}/v1/publish`,
          node.healthAuthority!,
          options.seed,
        );
        ctx.out(`enfed demo: seeded ${options.seed} diagnoses (${inserted} keys) at ${node.server.region}\n`);
      }
    }
    // The manifest and the summary together say "ready": every server answers and the --seed keys are in.
    const manifest = await buildManifest(plan, options, provisioned.hub, provisioned.nodes);
    await writeJsonAtomically(options.manifestPath, manifest);
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
