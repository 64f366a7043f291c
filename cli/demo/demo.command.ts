import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../core/logging/logger';
import type { Command } from '../command';
import { spawnServer, stopAll, type DemoProcess } from './child-processes';
import { buildManifest } from './demo-manifest';
import { DEMO_USAGE, parseDemoOptions } from './demo-options';
import { planDemo, serverEnv, type DemoServer } from './demo-plan';
import { writeJsonAtomically } from './manifest-file';
import { checkServices } from './preflight';
import { FlowCounter, formatFlow } from './progress';
import { provisionDemo } from './provision';
import { seedDiagnoses } from './seed';
import { printSummary } from './summary';

const GENERATE_CERTS = fileURLToPath(new URL('../../certs/generate.sh', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

async function waitReady(server: DemoServer, process: DemoProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null)
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
export const demoCommand: Command = {
  words: ['demo'],
  usage: DEMO_USAGE,
  summary: 'run a local federation (hub + three nodes) with dev certificates; --seed N publishes N diagnoses per node',
  async run(args, env) {
    const options = parseDemoOptions(args, env);
    const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const problems = await checkServices(databaseUrl, redisUrl);
    if (problems.length > 0) {
      process.stderr.write(`enfed demo cannot start:\n  ${problems.join('\n  ')}\n`);
      return 1;
    }
    const logger = createLogger({ level: 'warn', name: 'demo' });
    const plan = planDemo(options, databaseUrl);
    await rm(`${plan.dir}/blobs`, { recursive: true, force: true });
    await rm(options.manifestPath, { force: true });
    await mkdir(`${plan.dir}/logs`, { recursive: true });
    process.stdout.write(`enfed demo: generating dev certificates in ${plan.certDir}\n`);
    await promisify(execFile)('bash', [GENERATE_CERTS, plan.certDir, ...plan.nodes.map((n) => n.name)]);
    process.stdout.write('enfed demo: creating databases, signing keys, health authorities, partners and upstreams\n');
    const provisioned = await provisionDemo(plan, options, redisUrl, logger);

    const processes: DemoProcess[] = [];
    let stopping = false;
    const counter = new FlowCounter(plan);
    let progressTimer: NodeJS.Timeout | undefined;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      clearInterval(progressTimer);
      process.stdout.write('\nenfed demo: stopping the hub and the nodes…\n');
      await stopAll(processes, 15_000);
      await counter.close();
      process.stdout.write('enfed demo: stopped\n');
      process.exit(code);
    };
    process.on('SIGINT', () => void stop(0));
    process.on('SIGTERM', () => void stop(0));

    try {
      for (const server of [...plan.nodes, plan.hub]) {
        const child = spawnServer(server.name, server.role, serverEnv(plan, server, options, redisUrl), server.logFile);
        processes.push(child);
        child.exited.then((code) => {
          if (!stopping) {
            process.stderr.write(
              `enfed demo: ${server.name} exited unexpectedly (code ${code}); see ${server.logFile}\n`,
            );
            void stop(1);
          }
        });
      }
      await Promise.all([...plan.nodes, plan.hub].map((s, i) => waitReady(s, processes[i]!)));
      const manifest = await buildManifest(plan, options, provisioned.hub, provisioned.nodes);
      await writeJsonAtomically(options.manifestPath, manifest);
      printSummary(manifest, options, plan);

      if (options.seed > 0) {
        for (const node of provisioned.nodes) {
          const inserted = await seedDiagnoses(
            `http://127.0.0.1:${node.server.httpPort}/v1/publish`,
            node.healthAuthority!,
            options.seed,
          );
          process.stdout.write(
            `enfed demo: seeded ${options.seed} diagnoses (${inserted} keys) at ${node.server.region}\n`,
          );
        }
      }
      let last = '';
      progressTimer = setInterval(() => {
        counter.read().then(
          (counts) => {
            const line = formatFlow(counts);
            if (line !== last) process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
            last = line;
          },
          () => undefined,
        );
      }, 3000);
    } catch (err) {
      process.stderr.write(`enfed demo: ${(err as Error).message}\n`);
      await stop(1);
    }
    return new Promise<number>(() => {
      // Runs until a signal; `stop` exits the process.
    });
  },
};
