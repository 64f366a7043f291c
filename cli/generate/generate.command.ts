import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { DemoManifest } from '../demo/demo-manifest';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, wholeNumber } from '../support/option-parsers';
import { Refusal } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { publishTarget, type PublishFlags, type PublishTarget } from '../probe/probe-target';
import { generateAt, type GenerateStats } from './run-generate';

const MORE = `
Every diagnosis goes through the real publish API with its own verification certificate, signed with the
given TEST health authority key: 1–14 past daily keys, a share of travelers, of same-day keys (still valid, so
embargoed) and of "likely" diagnoses, which --revise-after publishes again with their revision tokens,
alternately as confirmed and as negative (revoking their keys). With --manifest, every node of a running demo
(or those of --regions) gets --diagnoses each.

Examples:
  enfed generate --manifest .enfed/demo/manifest.json --diagnoses 50 --travelers 0.1 --revise-after 30s
  enfed generate --publish https://node/v1/publish --health-authority-key test-ha.pem \\
    --health-authority-id gov.wa.test --iss test-authority --aud enfed-node-wa --diagnoses 1000 --concurrency 8`;

function share(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || n < 0 || n > 1)
    throw new UsageError(`--${name} must be a share from 0 to 1`);
  return n;
}

function statsLine(label: string, s: GenerateStats): string {
  return (
    `${label}: ${s.diagnoses} diagnoses, ${s.keys} keys (${s.travelers} traveler, ${s.sameDay} with a same-day key, ` +
    `${s.likely} likely); revised ${s.revisedToConfirmed} to confirmed, ${s.revoked} revoked; ` +
    `${s.failures} failed; ${s.seconds.toFixed(1)} s` +
    s.errors.map((e) => `\n  - ${e}`).join('')
  );
}

type GenerateFlags = PublishFlags & {
  regions?: string;
  diagnoses?: string;
  travelers?: string;
  likely?: string;
  sameDay?: string;
  days?: string;
  reviseAfter?: string;
  concurrency?: string;
  json?: boolean;
};

/** `enfed generate`: synthetic diagnoses through the real publish API, so interop runs exercise every path. */
export function generateCommand(ctx: CliContext): Command {
  const cmd = new Command('generate')
    .description('publish synthetic diagnoses (travelers, same-day keys, revisions) through the real publish API')
    .option('--publish <url>', "the node's publish URL (…/v1/publish)")
    .option('--health-authority-key <file>', 'PEM P-256 private key of a TEST health authority the node trusts')
    .option('--health-authority-id <id>', 'healthAuthorityID (the app) of the publish requests')
    .option('--iss <iss>', "the certificates' issuer")
    .option('--aud <aud>', "the certificates' audience (the node)")
    .option('--kid <kid>', "the authority key's version (certificate header kid)", 'v1')
    .option('--manifest <path>', 'publish at the nodes of a running demo instead (its dev health authorities)')
    .option('--regions <list>', 'with --manifest: only these nodes (default: all)')
    .option('--diagnoses <n>', 'diagnoses per node', '10')
    .option('--travelers <share>', 'share of travelers (0–1)', '0.1')
    .option('--likely <share>', 'share of likely diagnoses, the ones revised (0–1)', '0.3')
    .option('--same-day <share>', 'share of diagnoses with a same-day key (0–1)', '0.5')
    .option('--days <n>', 'past daily keys per diagnosis (1–14)', '14')
    .option('--revise-after <duration>', 'revise the likely diagnoses after this delay (e.g. 30s); none without it')
    .option('--concurrency <n>', 'publish requests in flight per node', '4')
    .option('--json', 'print the figures as JSON')
    .addHelpText('after', MORE);
  return setAction(cmd, async (flags: GenerateFlags) => {
    const options = {
      diagnoses: wholeNumber(flags.diagnoses, 'diagnoses', 10, 1, 1_000_000),
      travelers: share(flags.travelers, 'travelers', 0.1),
      likely: share(flags.likely, 'likely', 0.3),
      sameDay: share(flags.sameDay, 'same-day', 0.5),
      pastDays: wholeNumber(flags.days, 'days', 14, 1, 14),
      reviseAfterSeconds:
        flags.reviseAfter === undefined ? undefined : durationOption(flags.reviseAfter, 'revise-after', 0),
      concurrency: wholeNumber(flags.concurrency, 'concurrency', 4, 1, 256),
    };
    const targets: Array<{ label: string; target: PublishTarget }> = [];
    if (flags.manifest !== undefined && flags.publish === undefined) {
      let manifest: DemoManifest;
      try {
        manifest = JSON.parse(await readFile(flags.manifest, 'utf8')) as DemoManifest;
      } catch {
        throw new UsageError(`--manifest: cannot read a demo manifest at ${flags.manifest}`);
      }
      const wanted = flags.regions?.split(',').map((r) => r.trim().toUpperCase());
      for (const node of manifest.nodes) {
        if (wanted && !wanted.includes(node.region)) continue;
        targets.push({ label: node.region, target: { publishUrl: node.publishUrl, authority: node.healthAuthority } });
      }
      if (targets.length === 0) throw new UsageError(`--regions: none of ${flags.regions} is a node of the manifest`);
    } else {
      targets.push({ label: flags.publish ?? '', target: await publishTarget(flags) });
    }
    const results = await Promise.all(
      targets.map(async (t) => ({ label: t.label, stats: await generateAt(t.target, options) })),
    );
    if (flags.json) ctx.out(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) ctx.out(`${statsLine(r.label, r.stats)}\n`);
    const failures = results.reduce((n, r) => n + r.stats.failures, 0);
    if (failures > 0) throw new Refusal(`generate: ${failures} publish request(s) failed`);
  });
}
