import { parseOptions } from '../admin-support';
import { UsageError } from '../command';

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
}

export const DEMO_USAGE =
  'enfed demo [--seed N] [--manifest PATH] [--dir DIR] [--instance NAME] [--base-port P] [--pull-interval S] [--export-period S] [--truncate-window S]';

function whole(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Parses the demo's arguments; throws UsageError with a clear message for bad ones. */
export function parseDemoOptions(args: string[], env: NodeJS.ProcessEnv): DemoOptions {
  const { values } = parseOptions(args, {
    seed: { type: 'string' },
    manifest: { type: 'string' },
    dir: { type: 'string' },
    instance: { type: 'string' },
    'base-port': { type: 'string' },
    'pull-interval': { type: 'string' },
    'export-period': { type: 'string' },
    'truncate-window': { type: 'string' },
  });
  const dir = values.dir ?? '.enfed/demo';
  const instance = values.instance ?? 'demo';
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(instance))
    throw new UsageError('--instance: lower-case letters, digits and _, starting with a letter');
  const exportPeriodSeconds = whole('export-period', values['export-period'], 60, 1, 86400);
  if (86400 % exportPeriodSeconds !== 0) throw new UsageError('--export-period must divide 24 hours (86400 s)');
  return {
    seed: whole('seed', values.seed, 0, 0, 100_000),
    manifestPath: values.manifest ?? `${dir}/manifest.json`,
    dir,
    basePort: whole('base-port', values['base-port'], 8080, 1024, 64000),
    pullIntervalSeconds: whole('pull-interval', values['pull-interval'], 10, 1, 86400),
    exportPeriodSeconds,
    truncateWindowSeconds: whole('truncate-window', values['truncate-window'], 10, 1, 3600),
    logLevel: env.LOG_LEVEL ?? 'info',
    instance,
  };
}
