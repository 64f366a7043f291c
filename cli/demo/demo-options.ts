import { wholeNumber } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import { DEFAULT_DEMO_REGIONS, MAX_DEMO_NODES, parseDemoRegions, regionsForNodes } from './demo-regions';

/** What `enfed demo` was asked to do. Timings are in seconds. */
export interface DemoOptions {
  seed: number;
  manifestPath: string;
  dir: string;
  basePort: number;
  pullIntervalSeconds: number;
  exportPeriodSeconds: number;
  truncateWindowSeconds: number;
  logLevel: string;
  /** Names the databases and Redis prefixes (`enfed_<instance>_hub`), so two demos or a test can run side by side. */
  instance: string;
  /** One node per region, in this order. */
  regions: string[];
}

/** The demo's options as commander parsed them (all strings, validated by `toDemoOptions`). */
export interface DemoFlags {
  seed?: string;
  manifest?: string;
  dir?: string;
  instance?: string;
  basePort?: string;
  pullInterval?: string;
  exportPeriod?: string;
  truncateWindow?: string;
  nodes?: string;
  regions?: string;
}

/** Validates the demo's flags; throws UsageError with a clear message for bad ones. */
export function toDemoOptions(flags: DemoFlags, env: NodeJS.ProcessEnv): DemoOptions {
  const dir = flags.dir ?? '.enfed/demo';
  const instance = flags.instance ?? 'demo';
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(instance)) {
    throw new UsageError('--instance: lower-case letters, digits and _, starting with a letter');
  }
  const exportPeriodSeconds = wholeNumber(flags.exportPeriod, 'export-period', 60, 1, 86400);
  if (86400 % exportPeriodSeconds !== 0) throw new UsageError('--export-period must divide 24 hours (86400 s)');
  if (flags.nodes !== undefined && flags.regions !== undefined)
    throw new UsageError('--nodes and --regions: give one of them');
  const regions =
    flags.regions !== undefined
      ? parseDemoRegions(flags.regions)
      : flags.nodes !== undefined
        ? regionsForNodes(wholeNumber(flags.nodes, 'nodes', 3, 1, MAX_DEMO_NODES))
        : [...DEFAULT_DEMO_REGIONS];
  return {
    regions,
    seed: wholeNumber(flags.seed, 'seed', 0, 0, 100_000),
    manifestPath: flags.manifest ?? `${dir}/manifest.json`,
    dir,
    basePort: wholeNumber(flags.basePort, 'base-port', 8080, 1024, 64000),
    pullIntervalSeconds: wholeNumber(flags.pullInterval, 'pull-interval', 10, 1, 86400),
    exportPeriodSeconds,
    truncateWindowSeconds: wholeNumber(flags.truncateWindow, 'truncate-window', 10, 1, 3600),
    logLevel: env.LOG_LEVEL ?? 'info',
    instance,
  };
}
