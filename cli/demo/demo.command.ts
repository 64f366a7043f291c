import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../core/logging/logger';
import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { Refusal } from '../support/refusal';
import { describeEnd, spawnServer, stopAll, type DemoProcess } from './child-processes';
import { buildManifest } from './demo-manifest';
import { toDemoOptions, type DemoFlags } from './demo-options';
import { demoPublishCommand } from './demo-publish.command';
import { planDemo, serverEnv, type DemoServer } from './demo-plan';
import { writeJsonAtomically } from './manifest-file';
import { checkServices } from './preflight';
import { FlowCounter, formatFlow } from './progress';
import { provisionDemo } from './provision';
import { seedDiagnoses } from './seed';
import { demoTiming, hubExportDueAt } from './demo-timing';
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
 * `enfed demo`: a hub and three nodes as separate processes on loopback, with dev certificates, keys and
 * compressed timings; runs until SIGINT/SIGTERM, then stops every process and exits 0.
 */
export function demoCommand(ctx: CliContext): Command {
  const cmd = new Command('demo')
    .description('run a local federation (a hub and three nodes) with dev certificates and compressed timings')
    .option('--seed <n>', 'publish N synthetic diagnoses per node through the real publish API', '0')
    .option('--manifest <path>', 'where the manifest goes (default <dir>/manifest.json)')
    .option('--dir <dir>', 'certificates, blobs and logs', '.enfed/demo')
    .option('--instance <name>', 'names its databases and Redis prefixes, so two demos can run side by side', 'demo')
    .option('--base-port <port>', 'hub HTTP port; nodes follow, gRPC ports are these + 1000', '8080')
    .option('--pull-interval <seconds>', 'how often the hub pulls each node', '10')
    .option('--export-period <seconds>', 'window of one export batch (divides 24 h)', '60')
    .option('--truncate-window <seconds>', 'arrival times are truncated to this', '10')
    // `enfed demo publish --manifest x`: the option after the subcommand is the subcommand's.
    .enablePositionalOptions()
    .addCommand(demoPublishCommand(ctx));
  return setAction(cmd, async (flags: DemoFlags) => {
    const env = ctx.env;
    const options = toDemoOptions(flags, env);
    const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const problems = await checkServices(databaseUrl, redisUrl);
    if (problems.length > 0) {
      throw new Refusal(`demo cannot start:\n  ${problems.join('\n  ')}`);
    }
    const logger = createLogger({ level: 'warn', name: 'demo' });
    const plan = planDemo(options, databaseUrl);
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
      ctx.out('enfed demo: stopped\n');
      process.exit(code);
    };
    process.on('SIGINT', () => void stop(0));
    process.on('SIGTERM', () => void stop(0));

    try {
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
      // The nodes first: a node answers /readyz only once all its components, gRPC included, have started, so
      // the hub's first pulls find every upstream listening instead of failing and backing off.
      const nodes = plan.nodes.map(start);
      await Promise.all(plan.nodes.map((s, i) => waitReady(s, nodes[i]!)));
      await waitReady(plan.hub, start(plan.hub));
      const manifest = await buildManifest(plan, options, provisioned.hub, provisioned.nodes);
      await writeJsonAtomically(options.manifestPath, manifest);

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
      // Runs until a signal; `stop` exits the process.
    });
  });
}
