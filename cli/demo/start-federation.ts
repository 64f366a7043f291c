import { Refusal } from '../support/refusal';
import { describeEnd, type ProcessEnd } from './child-processes';
import { cleanDemo } from './demo-clean';
import { instanceInUse, portsInUse } from './demo-guards';
import { acquireDemoLock } from './demo-lock';
import type { DemoManifest } from './demo-manifest';
import { toDemoOptions } from './demo-options';
import { planDemo } from './demo-plan';
import { FederationRunner } from './federation-runner';
import { checkServices } from './preflight';

/** What `startFederation` starts; every field is optional. */
export interface FederationOptions {
  /** One node per region, in this order (default US-WA, US-OR, US-CA). */
  regions?: string[];
  /** Or just how many nodes (US states in a fixed order); not with `regions`. */
  nodes?: number;
  /** Certificates, blobs, logs, manifest and the lock file (default `.enfed/federation`). */
  dir?: string;
  /** Names the databases (`enfed_<instance>_<server>`) and Redis prefixes (default `federation`). */
  instance?: string;
  /** Hub HTTP port; node i gets base + i; gRPC ports are these + 1000 (default 8080). */
  basePort?: number;
  pullIntervalSeconds?: number;
  exportPeriodSeconds?: number;
  truncateWindowSeconds?: number;
  /** Synthetic diagnoses published at every node before the manifest is returned. */
  seed?: number;
  /** The servers' LOG_LEVEL (their logs go to `<dir>/logs/<server>.log`; default `warn`). */
  logLevel?: string;
  /** Defaults: DATABASE_URL / REDIS_URL of the environment, else the local PostgreSQL and Redis. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Progress lines while starting (default: none). */
  onProgress?: (text: string) => void;
  /** Called when a server dies on its own (not during stop()). */
  onServerExit?: (server: string, how: string) => void;
}

/** A running federation: its manifest (URLs, ports, keys, certificate paths, database names) and its stop. */
export interface RunningFederation {
  manifest: DemoManifest;
  manifestPath: string;
  /** Milliseconds from the call to every server answering /readyz. */
  startMs: number;
  /** Process ids of the hub and the nodes (for measuring them; they stop by themselves if this process dies). */
  pids: { name: string; pid: number }[];
  /** Stops every server (SIGTERM, then SIGKILL after 15 s); `clean` also drops its databases, Redis keys and files. */
  stop(options?: { clean?: boolean }): Promise<void>;
}

/**
 * Starts a hub and one node per region on this machine, as `enfed demo` does but without its terminal, for
 * JavaScript test suites: each server is an `enfed node`/`enfed hub` process on loopback with dev certificates,
 * fresh databases and compressed timings. Refuses (Refusal) when PostgreSQL or Redis is unreachable, the
 * instance's databases are in use or its ports are taken. See docs/interop-kit.md.
 *
 * @example
 *   const federation = await startFederation({ regions: ['US-WA', 'US-OR'], basePort: 28080, instance: 'it' });
 *   try { await fetch(federation.manifest.nodes[0].publishUrl, …) } finally { await federation.stop({ clean: true }) }
 */
export async function startFederation(options: FederationOptions = {}): Promise<RunningFederation> {
  const started = Date.now();
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const demoOptions = toDemoOptions(
    {
      dir: options.dir ?? '.enfed/federation',
      instance: options.instance ?? 'federation',
      basePort: str(options.basePort),
      regions: options.regions?.join(','),
      nodes: str(options.nodes),
      pullInterval: str(options.pullIntervalSeconds),
      exportPeriod: str(options.exportPeriodSeconds),
      truncateWindow: str(options.truncateWindowSeconds),
      seed: str(options.seed),
    },
    { LOG_LEVEL: options.logLevel ?? 'warn' },
  );
  const problems = await checkServices(databaseUrl, redisUrl);
  if (problems.length > 0) throw new Refusal(`federation cannot start:\n  ${problems.join('\n  ')}`);
  const plan = planDemo(demoOptions, databaseUrl);
  const lock = acquireDemoLock(plan.dir, { instance: demoOptions.instance, basePort: demoOptions.basePort });
  const runner = new FederationRunner(plan, demoOptions, redisUrl, {
    out: (text) => options.onProgress?.(text),
    died: (server, end: ProcessEnd) => options.onServerExit?.(server.name, describeEnd(end)),
  });
  try {
    const inUse = await instanceInUse(plan, demoOptions.instance);
    if (inUse) throw new Refusal(inUse);
    const busy = await portsInUse(plan);
    if (busy.length > 0) throw new Refusal(`federation cannot start:\n  ${busy.join('\n  ')}`);
    const manifest = await runner.launch();
    return {
      manifest,
      manifestPath: demoOptions.manifestPath,
      startMs: Date.now() - started,
      pids: runner.processes.map((p) => ({ name: p.name, pid: p.child.pid ?? 0 })),
      async stop(how = {}) {
        await runner.stop();
        if (how.clean) await cleanDemo(plan, demoOptions.manifestPath, redisUrl, lock);
        else lock.release();
      },
    };
  } catch (err) {
    await runner.stop();
    lock.release();
    throw err;
  }
}
