import type { DemoManifest } from './demo-manifest';
import type { DemoOptions } from './demo-options';
import type { DemoPlan } from './demo-plan';

/** The short human summary printed once everything is ready. */
export function printSummary(manifest: DemoManifest, options: DemoOptions, plan: DemoPlan): void {
  const lines = [
    '',
    'enfed demo is running: a hub and three jurisdiction nodes on loopback.',
    '',
    `  hub        status  ${manifest.hub.statusUrl}`,
    `             exports ${manifest.hub.exportIndexUrl}`,
    `             gRPC    ${manifest.hub.grpcAddress} (mTLS; partner certificate in the manifest)`,
    ...manifest.nodes.map(
      (n) => `  ${n.region}      publish ${n.publishUrl}\n             exports ${n.exportIndexUrl}`,
    ),
    '',
    `  manifest   ${options.manifestPath}  (URLs, public keys, dev health-authority keys, partner certificate)`,
    `  logs       ${plan.dir}/logs/`,
    `  timing     truncate window ${options.truncateWindowSeconds}s · export period ${options.exportPeriodSeconds}s · pulls every ${options.pullIntervalSeconds}s`,
    '',
    'Try next:',
    `  curl ${manifest.hub.exportIndexUrl}`,
    `  open ${manifest.hub.statusUrl} in a browser`,
    "  bin/enfed demo publish --region US-OR --count 5   (a phone's upload, with a dev verification certificate)",
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
