import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../core/logging/logger';
import { spawnServer, stopAll, type DemoProcess, type ProcessEnd } from './child-processes';
import { buildManifest, type DemoManifest } from './demo-manifest';
import type { DemoOptions } from './demo-options';
import { serverEnv, type DemoPlan, type DemoServer } from './demo-plan';
import { writeJsonAtomically } from './manifest-file';
import { provisionDemo } from './provision';
import { seedDiagnoses } from './seed';

const GENERATE_CERTS = fileURLToPath(new URL('../../certs/generate.sh', import.meta.url));
/** Start-up of one server takes seconds; many servers on few cores take longer together. */
const readyTimeoutMs = (servers: number) => 60_000 + servers * 10_000;

async function waitReady(server: DemoServer, process: DemoProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
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
  throw new Error(`${server.name} was not ready within ${timeoutMs / 1000} s; see ${server.logFile}`);
}

/** What a runner reports while it works. */
export interface RunnerHooks {
  /** Progress lines (`generating dev certificates…`). */
  out(text: string): void;
  /** A server ended while the runner was not stopping it. */
  died(server: DemoServer, end: ProcessEnd): void;
}

/**
 * Runs a planned federation as child processes: fresh certificates, databases and files, then the nodes, then
 * (once every node answers, gRPC included) the hub; `stop()` ends them all. Shared by `enfed demo` and
 * `startFederation()`; the caller holds the demo lock and has checked ports and databases.
 */
export class FederationRunner {
  readonly processes: DemoProcess[] = [];
  private stopping = false;

  constructor(
    readonly plan: DemoPlan,
    readonly options: DemoOptions,
    private readonly redisUrl: string,
    private readonly hooks: RunnerHooks,
  ) {}

  private start(server: DemoServer): DemoProcess {
    const env = serverEnv(this.plan, server, this.options, this.redisUrl);
    const child = spawnServer(server.name, server.role, env, server.logFile);
    this.processes.push(child);
    void child.exited.then((end) => {
      if (!this.stopping) this.hooks.died(server, end);
    });
    return child;
  }

  /** Provisions and starts everything; resolves with the manifest (also written to options.manifestPath). */
  async launch(): Promise<DemoManifest> {
    const { plan, options, hooks } = this;
    const logger = createLogger({ level: 'warn', name: 'demo' });
    await rm(`${plan.dir}/blobs`, { recursive: true, force: true });
    await rm(options.manifestPath, { force: true });
    await mkdir(`${plan.dir}/logs`, { recursive: true });
    hooks.out(`enfed demo: generating dev certificates in ${plan.certDir}\n`);
    await promisify(execFile)('bash', [GENERATE_CERTS, plan.certDir, ...plan.nodes.map((n) => n.name)]);
    hooks.out(
      `enfed demo: creating databases, signing keys, health authorities, partners and upstreams (${plan.nodes.length + 1} servers)\n`,
    );
    const provisioned = await provisionDemo(plan, options, this.redisUrl, logger);
    const timeout = readyTimeoutMs(plan.nodes.length + 1);
    // The nodes first: a node answers /readyz only once all its components, gRPC included, have started, so
    // the hub's first pulls find every upstream listening instead of failing and backing off.
    const nodes = plan.nodes.map((s) => this.start(s));
    await Promise.all(plan.nodes.map((s, i) => waitReady(s, nodes[i]!, timeout)));
    await waitReady(plan.hub, this.start(plan.hub), timeout);
    if (options.seed > 0) {
      for (const node of provisioned.nodes) {
        const inserted = await seedDiagnoses(
          `http://127.0.0.1:${node.server.httpPort}/v1/publish`,
          node.healthAuthority!,
          options.seed,
        );
        hooks.out(`enfed demo: seeded ${options.seed} diagnoses (${inserted} keys) at ${node.server.region}\n`);
      }
    }
    // The manifest says "ready": every server answers and the --seed keys are in.
    const manifest = await buildManifest(plan, options, provisioned.hub, provisioned.nodes);
    await writeJsonAtomically(options.manifestPath, manifest);
    return manifest;
  }

  /** SIGTERM every server, SIGKILL what is left after `timeoutMs`; resolves when all have exited. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    await stopAll(this.processes, timeoutMs);
  }
}
