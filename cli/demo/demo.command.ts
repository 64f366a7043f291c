import { rmdir } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { Refusal } from '../support/refusal';
import { cleanDemo } from './demo-clean';
import { instanceInUse, portsInUse } from './demo-guards';
import { acquireDemoLock } from './demo-lock';
import { toDemoOptions, type DemoFlags } from './demo-options';
import { demoPublishCommand } from './demo-publish.command';
import { planDemo } from './demo-plan';
import { MAX_DEMO_NODES } from './demo-regions';
import { checkServices } from './preflight';
import { runDemo } from './run-demo';

const ONE_AT_A_TIME = `
One demo per --dir and per --instance: a second one is refused (lock file <dir>/demo.lock, sessions on the
instance's databases, ports in use) and the running one is left alone. A stopped demo's databases, Redis keys
and files stay until the next start replaces them, or until --clean removes them. If a server dies, the demo
names it and stops the others; if the demo itself is killed, even with SIGKILL, its servers stop by themselves.`;

/**
 * `enfed demo`: a hub and three nodes as separate processes on loopback, with dev certificates, keys and
 * compressed timings; runs until SIGINT/SIGTERM, then stops every process and exits 0. `--clean` removes a
 * stopped demo instead.
 */
export function demoCommand(ctx: CliContext): Command {
  const cmd = new Command('demo')
    .description(
      'run a local federation (a hub and three nodes, or --nodes N / --regions …) with dev certificates and compressed timings',
    )
    .option(
      '--nodes <n>',
      `how many nodes (1–${MAX_DEMO_NODES}; US states in a fixed order, starting US-WA,US-OR,US-CA)`,
    )
    .option('--regions <list>', 'one node per region, e.g. US-WA,US-OR,US-CA,US-ID (instead of --nodes)')
    .option('--seed <n>', 'publish N synthetic diagnoses per node through the real publish API', '0')
    .option('--manifest <path>', 'where the manifest goes (default <dir>/manifest.json)')
    .option('--dir <dir>', 'certificates, blobs and logs', '.enfed/demo')
    .option('--instance <name>', 'names its databases and Redis prefixes, so two demos can run side by side', 'demo')
    .option('--base-port <port>', 'hub HTTP port; nodes follow, gRPC ports are these + 1000', '8080')
    .option('--pull-interval <seconds>', 'how often the hub pulls each node', '10')
    .option('--export-period <seconds>', 'window of one export batch (divides 24 h)', '60')
    .option('--truncate-window <seconds>', 'arrival times are truncated to this', '10')
    .option(
      '--clean',
      "instead of running: drop a stopped demo's databases and Redis keys, remove its files (certificates, " +
        'blobs, logs, manifest) and exit; refused while that demo runs',
    )
    .addHelpText('after', ONE_AT_A_TIME)
    .addCommand(demoPublishCommand(ctx));
  return setAction(cmd, async (flags: DemoFlags & { clean?: boolean }) => {
    const env = ctx.env;
    const options = toDemoOptions(flags, env);
    const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const problems = await checkServices(databaseUrl, redisUrl);
    if (problems.length > 0) {
      throw new Refusal(`demo cannot ${flags.clean ? 'clean' : 'start'}:\n  ${problems.join('\n  ')}`);
    }
    const plan = planDemo(options, databaseUrl);
    // Nothing is touched before these checks pass: a running demo keeps its certificates, databases and keys.
    const lock = acquireDemoLock(plan.dir, { instance: options.instance, basePort: options.basePort });
    try {
      const inUse = await instanceInUse(plan, options.instance);
      if (inUse) throw new Refusal(inUse);
      if (flags.clean) {
        await cleanDemo(plan, options.manifestPath, redisUrl, lock);
        ctx.out(
          `enfed demo: removed instance ${options.instance} (databases, Redis keys) and its files in ${plan.dir}\n`,
        );
        return;
      }
      const busy = await portsInUse(plan);
      if (busy.length > 0) {
        throw new Refusal(
          `demo cannot start:\n  ${busy.join('\n  ')}\n  Stop what uses them, or pass another --base-port.`,
        );
      }
      await runDemo(ctx, plan, options, redisUrl, lock);
    } catch (err) {
      lock.release();
      if (lock.createdDir) await rmdir(plan.dir).catch(() => undefined);
      throw err;
    }
  });
}
