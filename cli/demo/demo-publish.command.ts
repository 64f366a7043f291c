import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { wholeNumber } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import type { DemoManifest } from './demo-manifest';
import { seedDiagnoses } from './seed';

/**
 * `enfed demo publish`: what a phone does after a positive test, against a running demo. It reads the
 * manifest, signs a verification certificate with the node's dev health-authority key and publishes
 * synthetic diagnoses through the node's real publish API.
 */
export function demoPublishCommand(ctx: CliContext): Command {
  const cmd = new Command('publish')
    .description(
      'publish N synthetic diagnoses (14 keys each) at a running demo node, certified by its dev health authority',
    )
    .option('--manifest <path>', "the running demo's manifest", '.enfed/demo/manifest.json')
    .option('--region <region>', 'the node (default: the first)')
    .option('--count <n>', 'diagnoses to publish', '1');
  return setAction(cmd, async (options: { manifest: string; region?: string; count: string }) => {
    const count = wholeNumber(options.count, 'count', 1, 1, 10_000);
    let manifest: DemoManifest;
    try {
      manifest = JSON.parse(await readFile(options.manifest, 'utf8')) as DemoManifest;
    } catch {
      throw new UsageError(`no demo manifest at ${options.manifest}: start the demo first (npm start)`);
    }
    const region = (options.region ?? manifest.nodes[0]?.region ?? '').toUpperCase();
    const node = manifest.nodes.find((n) => n.region === region);
    if (!node) throw new UsageError(`--region must be one of ${manifest.nodes.map((n) => n.region).join(', ')}`);
    const inserted = await seedDiagnoses(node.publishUrl, node.healthAuthority, count);
    ctx.out(
      `published ${count} diagnosis(es) at ${region}: ${inserted} keys stored; watch them reach ${manifest.hub.exportIndexUrl}\n`,
    );
  });
}
