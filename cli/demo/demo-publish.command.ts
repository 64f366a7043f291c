import { readFile } from 'node:fs/promises';
import { UsageError, type Command } from '../command';
import { parseOptions } from '../admin-support';
import type { DemoManifest } from './demo-manifest';
import { seedDiagnoses } from './seed';

/**
 * `enfed demo publish`: what a phone does after a positive test, against a running demo. It reads the
 * manifest, signs a verification certificate with the node's dev health-authority key and publishes
 * synthetic diagnoses through the node's real publish API.
 */
export const demoPublishCommand: Command = {
  words: ['demo', 'publish'],
  usage: 'enfed demo publish [--manifest PATH] [--region US-WA] [--count N]',
  summary:
    'publish N synthetic diagnoses (14 keys each) at a running demo node, with a certificate from its dev health authority',
  async run(args) {
    const { values } = parseOptions(args, {
      manifest: { type: 'string' },
      region: { type: 'string' },
      count: { type: 'string' },
    });
    const path = values.manifest ?? '.enfed/demo/manifest.json';
    const count = values.count === undefined ? 1 : Number(values.count);
    if (!Number.isInteger(count) || count < 1 || count > 10_000)
      throw new UsageError('--count must be a whole number from 1 to 10000');
    let manifest: DemoManifest;
    try {
      manifest = JSON.parse(await readFile(path, 'utf8')) as DemoManifest;
    } catch {
      throw new UsageError(`no demo manifest at ${path}: start the demo first (npm start)`);
    }
    const region = (values.region ?? manifest.nodes[0]?.region ?? '').toUpperCase();
    const node = manifest.nodes.find((n) => n.region === region);
    if (!node) throw new UsageError(`--region must be one of ${manifest.nodes.map((n) => n.region).join(', ')}`);
    const inserted = await seedDiagnoses(node.publishUrl, node.healthAuthority, count);
    process.stdout.write(
      `published ${count} diagnosis(es) at ${region}: ${inserted} keys stored; watch them reach ${manifest.hub.exportIndexUrl}\n`,
    );
    return 0;
  },
};
