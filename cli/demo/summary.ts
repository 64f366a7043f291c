import type { DemoManifest } from './demo-manifest';
import type { DemoOptions } from './demo-options';
import type { DemoPlan } from './demo-plan';
import type { DemoTiming } from './demo-timing';

/** A clock time as the progress lines show it (UTC). */
export const clock = (at: Date) => at.toISOString().slice(11, 19);

/** When the first export file appears, for keys published (by --seed, or by someone) right now. */
function firstExport(t: DemoTiming, dueAt: Date, seeded: boolean): string[] {
  const due = `by about ${clock(dueAt)} UTC`;
  return [
    seeded
      ? `  first export  ${due}: the seeded keys' file in the hub's index.txt (empty until then)`
      : `  first export  none until keys are published; for keys published now, ${due} in the hub's index.txt`,
    `                (a node serves keys ${t.truncateWindowSeconds + t.closeGraceSeconds}s after their ` +
      `${t.truncateWindowSeconds}s window starts; the hub pulls every ${t.pullIntervalSeconds}s; ` +
      `its ${t.exportPeriodSeconds}s export window is written ${t.minWindowAgeSeconds}s after it ends)`,
  ];
}

/** The short human summary printed once everything is ready. */
export function printSummary(
  manifest: DemoManifest,
  options: DemoOptions,
  plan: DemoPlan,
  first: { timing: DemoTiming; dueAt: Date; seeded: boolean },
): void {
  const lines = [
    '',
    `enfed demo is running: a hub and ${plan.nodes.length === 3 ? 'three' : plan.nodes.length} jurisdiction node${plan.nodes.length === 1 ? '' : 's'} on loopback.`,
    '',
    `  hub        status  ${manifest.hub.statusUrl}`,
    `             exports ${manifest.hub.exportIndexUrl}`,
    `             gRPC    ${manifest.hub.grpcAddress} (mTLS; partner certificate in the manifest)`,
    ...manifest.nodes.map(
      (n) => `  ${(n.region ?? '').padEnd(10)} publish ${n.publishUrl}\n             exports ${n.exportIndexUrl}`,
    ),
    '',
    `  manifest   ${options.manifestPath}  (URLs, public keys, dev health-authority keys, partner certificate)`,
    `  logs       ${plan.dir}/logs/`,
    `  timing     truncate window ${options.truncateWindowSeconds}s · export period ${options.exportPeriodSeconds}s · pulls every ${options.pullIntervalSeconds}s`,
    ...firstExport(first.timing, first.dueAt, first.seeded),
    '',
    'Try next:',
    `  curl ${manifest.hub.exportIndexUrl}`,
    `  open ${manifest.hub.statusUrl} in a browser`,
    `  bin/enfed demo publish --region ${(manifest.nodes[1] ?? manifest.nodes[0])?.region} --count 5   (a phone's upload, with a dev verification certificate)`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
